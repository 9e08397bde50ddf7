/**
 * One agent, several conversations at once (capacity: one call plus chats), in Chromium with the
 * built extension: a ring card beside a running call, a tab per conversation, new messages counted
 * on the tabs not shown, replies reaching only their own shopper, the call going on (and heard)
 * while the agent chats elsewhere, and an ended chat leaving its ticket as a tab.
 */
import type { Browser, BrowserContext } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { expectConnected } from './support/checks';
import { videoProgress } from './support/util';

describe('an agent with a call and chats at once', () => {
  let stack: Stack;
  let agentBrowser: Browser, shopperBrowser: Browser;
  let alice: AgentSide;

  beforeAll(async () => {
    // The default capacity: one call plus MAX_CHATS (3) chats.
    stack = await startStack({ WRAP_UP_MS: '600000' });
    [agentBrowser, shopperBrowser] = await Promise.all([launchBrowser({ extension: true }), launchBrowser()]);
    alice = await AgentSide.open(agentBrowser, stack.shopUrl);
    await alice.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
  });

  afterAll(async () => {
    await Promise.all([agentBrowser, shopperBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  /** Each shopper in their own browser context: their own cookies and stored conversation. */
  async function shopperAs(customerId: number): Promise<ShopperPage> {
    const context: BrowserContext = await shopperBrowser.createBrowserContext();
    return ShopperPage.open(context, stack.shopUrl, { customerId });
  }

  const tabs = () =>
    alice.console.$$eval('[data-testid=conv-tab]', (els) =>
      els.map((e) => ({ name: e.querySelector('.name')?.textContent ?? '', selected: e.getAttribute('aria-selected') === 'true', unread: Number((e as HTMLElement).dataset.unread), ended: (e as HTMLElement).dataset.ended === 'true' })),
    );
  /** Waits until the tabs show these names, in order (a tab is named once the agent's view of its conversation arrives). */
  async function waitTabNames(names: string[]): Promise<void> {
    await alice.console.waitForFunction(
      (want: string[]) => JSON.stringify([...document.querySelectorAll('[data-testid=conv-tab] .name')].map((e) => e.textContent)) === JSON.stringify(want),
      { timeout: 15_000, polling: 100 },
      names,
    );
  }
  const clickTab = (name: string) =>
    alice.console.evaluate((n: string) => [...document.querySelectorAll<HTMLElement>('[data-testid=conv-tab]')].find((e) => e.querySelector('.name')?.textContent === n)?.click(), name);
  /** Sends in the conversation shown. */
  async function reply(text: string): Promise<void> {
    const shown = '[data-testid=conv-body][data-active=true]';
    await alice.console.waitForSelector(`${shown} [data-testid=chat-form][data-ready=true]`, { timeout: 15_000 });
    await alice.console.type(`${shown} [data-testid=chat-input]`, text);
    await alice.console.click(`${shown} [data-testid=chat-send]`);
  }

  it('rings beside a running call, keeps each conversation in its tab, and the call goes on', async () => {
    await alice.setPresence('available');
    const anna = await shopperAs(1);
    await anna.startVideoCall();
    expect((await alice.waitRing()).customer).toBe('Anna Schmidt');
    await alice.accept();
    await expectConnected(alice, anna);
    // One conversation: no tab bar, as before.
    expect(await tabs()).toEqual([]);

    // Lucas asks by chat: Alice has a free chat slot, so she rings while in the call, the call panel still there.
    const lucas = await shopperAs(2);
    await lucas.start('chat');
    await lucas.sendChat('Is the oak board food-safe?');
    expect((await alice.waitRing()).customer).toBe('Lucas Martin');
    expect(await alice.console.$eval('[data-testid=call-panel][data-phase=in-call]', (e) => e.closest<HTMLElement>('[data-testid=conv-body]')!.dataset.active)).toBe('true');
    await alice.accept();
    await alice.waitNoRing();
    await lucas.waitState('chatting');
    await waitTabNames(['Anna Schmidt', 'Lucas Martin']);
    expect(await tabs()).toEqual([
      { name: 'Anna Schmidt', selected: false, unread: 0, ended: false },
      { name: 'Lucas Martin', selected: true, unread: 0, ended: false },
    ]);
    await alice.waitChat('Is the oak board food-safe?');
    // The call goes on behind the chat: the strip says so, and Anna's video still plays in the console.
    expect(await alice.console.$eval('[data-testid=call-strip]', (e) => e.textContent)).toContain('Anna Schmidt');
    const annaPanel = await alice.console.$eval('[data-testid=call-strip]', (e) => (e as HTMLElement).dataset.conversationId!);
    const hidden = await alice.console.$(`[data-testid=conv-body][data-conversation-id="${annaPanel}"] [data-testid=remote-video]`);
    expect(await hidden!.evaluate((v) => (v as HTMLVideoElement).checkVisibility())).toBe(false);
    const behind = await videoProgress(hidden as Parameters<typeof videoProgress>[0]);
    expect(behind.after).toBeGreaterThan(behind.before);
    // One call at a time: this chat offers no call of its own.
    expect(await alice.console.$('[data-testid=conv-body][data-active=true] [data-testid=propose-video]')).toBeNull();
    await reply('Yes, it is oiled with food-safe oil.');
    await lucas.waitChat('Yes, it is oiled with food-safe oil.');

    // Sofia too: a third tab.
    const sofia = await shopperAs(3);
    await sofia.start('chat');
    await alice.waitRing();
    await alice.accept();
    await alice.waitNoRing();
    await sofia.waitState('chatting');
    await waitTabNames(['Anna Schmidt', 'Lucas Martin', 'Sofia Rossi']);

    // Lucas writes while Alice looks at Sofia: his tab counts it; opening it clears the count.
    await lucas.sendChat('And can it go in the dishwasher?');
    await alice.console.waitForSelector('[data-testid=conv-tab][data-unread="1"]', { timeout: 15_000 });
    expect((await tabs()).find((t) => t.name === 'Lucas Martin')?.unread).toBe(1);
    await clickTab('Lucas Martin');
    await alice.console.waitForFunction(() => !document.querySelector('[data-testid=conv-tab]:not([data-unread="0"])'), { timeout: 5_000 });
    await reply('Hand wash only, please.');
    await lucas.waitChat('Hand wash only, please.');
    // Each reply reaches its own shopper only: what Alice sends Sofia and Anna afterwards arrives, and nothing before it.
    await clickTab('Sofia Rossi');
    await reply('Hello Sofia, how can I help?');
    await clickTab('Anna Schmidt');
    await reply('Anna, I am still here.');
    await Promise.all([sofia.waitChat('Hello Sofia, how can I help?'), anna.waitChat('Anna, I am still here.')]);
    expect(await sofia.chatTexts()).toEqual(['Hello Sofia, how can I help?']);
    expect(await anna.chatTexts()).toEqual(['Anna, I am still here.']);
    await clickTab('Lucas Martin');

    // The overlay on the admin page shows the call (not the chat in front) and that there are more.
    expect(await (await alice.waitOverlay('[data-testid=overlay-others]')).evaluate((e) => e.textContent)).toBe('and 2 more conversations');
    expect(await (await alice.waitOverlay('[data-testid=overlay-call]')).evaluate((e) => e.textContent)).toContain('In call with Anna Schmidt');

    // Lucas ends: his tab stays, ended, with its ticket; the notice names him; the others go on.
    await lucas.hangup();
    await lucas.waitState('ended');
    expect(await alice.waitNotice('The shopper ended the conversation.')).toBe('Lucas Martin: The shopper ended the conversation.');
    await alice.console.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-testid=conv-tab][data-ended=true]')].length === 1, { timeout: 15_000 });
    expect((await tabs()).map((t) => [t.name, t.ended])).toEqual([
      ['Anna Schmidt', false],
      ['Lucas Martin', true],
      ['Sofia Rossi', false],
    ]);
    await clickTab('Lucas Martin');
    await alice.console.waitForSelector('[data-testid=conv-body][data-active=true] [data-testid=ticket-title]', { timeout: 15_000 });
    // What was said stays readable beside the ticket; nothing more can be sent there.
    const transcript = await alice.console.$$eval('[data-testid=conv-body][data-active=true] [data-testid=transcript] .text', (els) => els.map((e) => e.textContent));
    expect(transcript).toEqual(['Is the oak board food-safe?', 'Yes, it is oiled with food-safe oil.', 'And can it go in the dishwasher?', 'Hand wash only, please.']);
    expect(await alice.console.$('[data-testid=conv-body][data-active=true] [data-testid=chat-input]')).toBeNull();
    await alice.console.click('[data-testid=conv-body][data-active=true] [data-testid=ticket-close]');
    await alice.console.waitForFunction(() => document.querySelectorAll('[data-testid=conv-tab]').length === 2, { timeout: 15_000 });
    expect(await alice.state()).toBe('busy');

    // Closing the tab shown shows the call again; looking at Sofia, the strip offers the way back.
    await alice.console.waitForSelector('[data-testid=conv-body][data-active=true] [data-testid=call-panel][data-phase=in-call]', { timeout: 15_000 });
    expect(await alice.console.$('[data-testid=call-strip]')).toBeNull();
    await clickTab('Sofia Rossi');
    await (await alice.console.waitForSelector('[data-testid=call-strip-show]', { timeout: 5_000 }))!.click();
    await alice.console.waitForSelector('[data-testid=conv-body][data-active=true] [data-testid=call-panel][data-phase=in-call]', { timeout: 15_000 });
    await expectConnected(alice, anna);

    await Promise.all([anna.hangup(), sofia.hangup()]);
    await alice.waitNoCall();
  });

  it('does not ring a second call while the agent is in one', async () => {
    await alice.console.evaluate(() => document.querySelectorAll<HTMLElement>('[data-testid=ticket-close]').forEach((b) => b.click()));
    await alice.ready();
    const anna = await shopperAs(1);
    await anna.startVideoCall();
    await alice.waitRing();
    await alice.accept();
    await expectConnected(alice, anna);

    // Jan wants a video call too: Alice has chat slots but no call slot, so he waits and she does not ring.
    const jan = await shopperAs(4);
    await jan.startVideoCall();
    expect((await jan.waitSettled()).state).toMatch(/queued|no-agent/);
    // Her console's queue figures come from a routing pass that had him waiting: it passed her over.
    await alice.console.waitForSelector('[data-testid=queue-panel][data-waiting="1"]', { timeout: 15_000 });
    expect(await alice.hasRing()).toBe(false);

    // The call ends: now she rings for him.
    await anna.hangup();
    await alice.ready();
    expect((await alice.waitRing()).customer).toBe('Jan de Vries');
  });
});
