/**
 * Callback with the real widget in Chromium. A shopper waiting with no agent free asks to be
 * called back instead: the widget confirms, they close the panel and the launcher shows it waits;
 * the agent who becomes available is offered the request marked as a callback and accepts; the
 * widget opens by itself, says an agent is calling back, and they chat. A shopper who asks and
 * then closes the page leaves a ticket (source callback) once the reconnect grace is over. The
 * offer to leave a message comes too (OFFLINE_AFTER_MS), beside the callback action, and after a
 * callback in its own words. The agent is a realtime socket client, as the integration tests drive it.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, Presence, TicketList, TicketSource, apiRequest } from '../../protocol/index';
import { catalogues } from '../../widget/src/i18n/index';
import { agentConsole, setPresence } from '../helpers/agents';
import { DEMO, login, waitFor } from '../helpers/server';
import type { RealtimeClient } from '../helpers/sockets';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';

const W = 'counterpart-widget >>> ';
const { en } = catalogues;
const OFFLINE_AFTER_MS = 3000;

/** Text of a visible widget element by test id (waits for it). */
async function textOf(shopper: ShopperPage, testId: string): Promise<string> {
  const e = await shopper.page.waitForSelector(`${W}[data-testid=${testId}]`, { visible: true, timeout: 15_000 });
  return e!.evaluate((x) => x.textContent ?? '');
}

/** Whether the widget's panel is open, and the launcher's `data-callback`. */
const panelAndLauncher = (shopper: ShopperPage) =>
  shopper.page.evaluate(() => {
    const root = document.querySelector('counterpart-widget')?.shadowRoot;
    return {
      open: root?.querySelector<HTMLElement>('[data-testid=cp-panel]')?.hidden === false,
      launcher: root?.querySelector<HTMLElement>('[data-testid=cp-launcher]')?.dataset.callback ?? null,
    };
  });

describe('callback in the widget', () => {
  let stack: Stack;
  let browser: Browser;
  const sockets: RealtimeClient[] = [];

  beforeAll(async () => {
    stack = await startStack({ RECONNECT_GRACE_MS: '1000', OFFLINE_AFTER_MS: String(OFFLINE_AFTER_MS) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await browser?.close();
    await stack?.close();
  });

  it('asks to be called back, closes the panel; the agent is offered a callback, accepts, and the widget comes forward', async () => {
    const alice = await agentConsole({ url: stack.serverUrl }, DEMO.alice, Presence.Away, (rt) => void sockets.push(rt));
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    const page = shopper.page;
    await shopper.start('chat');
    await shopper.waitState('no-agent');
    expect(await textOf(shopper, 'cp-callback-request')).toBe(en.callback.request);
    await shopper.click('cp-callback-request');

    // The server's word (callbackAt): the confirmation, the launcher's dot; the "stay here" line is gone.
    expect(await textOf(shopper, 'cp-callback-waiting')).toBe(en.callback.waiting);
    expect(await page.$eval(`${W}[data-testid=cp-callback-request]`, (b) => (b as HTMLElement).offsetParent === null)).toBe(true);
    expect(await page.$eval(`${W}[data-testid=cp-status]`, (s) => (s as HTMLElement).offsetParent === null)).toBe(true);
    expect(await panelAndLauncher(shopper)).toEqual({ open: true, launcher: 'waiting' });
    // Still waiting with no agent after OFFLINE_AFTER_MS: the message is offered too, in words for a callback.
    expect(await textOf(shopper, 'cp-offline-offer')).toContain(en.callback.messageOffer);
    expect(await page.$eval(`${W}[data-testid=cp-callback-waiting]`, (e) => (e as HTMLElement).offsetParent !== null)).toBe(true);
    await shopper.click('cp-close');
    expect(await panelAndLauncher(shopper)).toEqual({ open: false, launcher: 'waiting' });

    await setPresence(alice, Presence.Available);
    const offer = await alice.rt.next('offer', { timeoutMs: 15_000 });
    expect(offer.callback).toBe(true);
    alice.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.id === offer.conversationId && m.conversation.state === ConversationState.Active });

    // The conversation comes forward: the panel opens by itself and says so, with a chime (or silence where audio cannot start).
    expect(await textOf(shopper, 'cp-callback-answered')).toBe(en.callback.answered);
    await shopper.waitState('chatting');
    expect(await panelAndLauncher(shopper)).toEqual({ open: true, launcher: null });
    const chime = await page.waitForFunction(
      () => document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=cp-callback]')?.dataset.chime,
      { timeout: 5000 },
    );
    expect(['played', 'silent']).toContain(await chime.jsonValue());

    // They chat, both ways.
    alice.rt.send({ type: 'chat.send', conversationId: offer.conversationId, clientId: 'callback-alice-1', text: 'Hello, Alice here, calling you back.' });
    await shopper.waitChat('Hello, Alice here, calling you back.');
    await shopper.sendChat('Thanks! About the oak board…');
    await alice.rt.next('chat.message', { where: (m) => m.message.text === 'Thanks! About the oak board…' });
    alice.rt.send({ type: 'conversation.end', conversationId: offer.conversationId });
    await shopper.waitState('ended');
    expect(await panelAndLauncher(shopper)).toEqual({ open: true, launcher: null });
    await setPresence(alice, Presence.Away);
    await page.close();
  });

  it('asks to be called back beside the offer to leave a message, then closes the page: a callback ticket', async () => {
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    const page = shopper.page;
    await shopper.start('voice');
    await shopper.waitState('no-agent');
    // Both ways out while waiting: the callback and, after OFFLINE_AFTER_MS, the message.
    expect(await textOf(shopper, 'cp-offline-offer')).toContain(en.offline.offer);
    expect(await textOf(shopper, 'cp-callback-request')).toBe(en.callback.request);
    const conversationId = await waitFor(
      () => page.evaluate(() => (JSON.parse(localStorage.getItem('counterpart:demo-shop') ?? '{}') as { conversationId?: string }).conversationId ?? null),
      'the stored conversation',
    );
    await shopper.click('cp-callback-request');
    await textOf(shopper, 'cp-callback-waiting');
    await page.close();

    const sam = await login(stack.serverUrl, DEMO.sam);
    const ticket = await waitFor(async () => {
      const row = await stack.server.db('conversations').where({ id: conversationId }).first<{ ticket_id: number | null } | undefined>('ticket_id');
      if (!row?.ticket_id) return null;
      return (await apiRequest(stack.serverUrl, '/api/tickets', TicketList, { token: sam.token })).tickets.find((t) => t.id === Number(row.ticket_id)) ?? null;
    }, 'the callback ticket', 15_000);
    expect(ticket).toMatchObject({ source: TicketSource.Callback, conversations: 1 });
    const row = await stack.server.db('conversations').where({ id: conversationId }).first<{ state: string; callback_at: string | null }>('state', 'callback_at');
    expect(row).toMatchObject({ state: ConversationState.Abandoned });
    expect(row.callback_at).not.toBeNull();
  });
});
