/**
 * The contact-centre story in Chromium, with the built extension and the widget on the demo shop:
 * a shopper with an after-sales question on a product chats while queued; the agent with that
 * skill gets it (one without it does not, though idle longer); she transfers it to a second agent
 * with a note; he sees the note and what was said, resolves the ticket, and the ticket holds it all.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, IssueType, LoginResponse, MediaKind, Presence, TicketEntryKind, TicketStatus, TicketView, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { DEMO_ENV } from '../../server/src/config';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { shopperSession } from '../helpers/server';
import { openRealtime } from '../helpers/sockets';

const W = 'counterpart-widget >>> ';

describe('the contact-centre story', () => {
  let stack: Stack;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    stack = await startStack({ WRAP_UP_MS: '600000' });
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await stack?.close();
  });

  /** An agent's skills, as the admin page will set them (the server reads them again). */
  async function skills(email: string, issues: IssueType[]): Promise<void> {
    const db = stack.server.db;
    const { id } = await db('users').where({ email }).first('id');
    await db('agent_skills').where({ user_id: id }).delete();
    await db('agent_skills').insert([
      ...issues.map((value) => ({ user_id: id, kind: 'issue', value, level: 4 })),
      { user_id: id, kind: 'language', value: 'en', level: 5 },
      { user_id: id, kind: 'category', value: '*', level: 3 },
    ]);
    await stack.server.conversations.core.reloadAgent(Number(id));
  }

  const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');

  /** Anna talked to Bob last week (a chat he answered and ended): what customer 360 shows later. */
  async function earlierConversation(): Promise<void> {
    const bob = await agentConsole({ url: stack.serverUrl }, { email: 'bob@counterpart.test', password: 'bob-demo-pass' });
    const s = await shopperSession(stack.serverUrl, { origin: stack.shopUrl, identitySecret: DEMO_ENV.SITE_IDENTITY_SECRET, customerId: 1 });
    const rt = await openRealtime(stack.serverUrl, s.token);
    const id = (await startConversation(rt, startMessage({ channel: MediaKind.Chat, issueType: IssueType.Order }))).conversation.id;
    await acceptOffer(bob, id);
    bob.rt.send({ type: 'conversation.end', conversationId: id });
    await rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    bob.rt.send({ type: 'presence.set', presence: Presence.Away });
    await bob.rt.next('agent.self', { where: (m) => m.presence === Presence.Away });
    await Promise.all([rt.close(), bob.rt.close()]);
  }

  it('skills route it, a transfer hands it on with a note, the second agent resolves the ticket', async () => {
    await earlierConversation();
    const [aliceBrowser, bobBrowser, shopperBrowser] = await Promise.all([launchBrowser({ extension: true }), launchBrowser({ extension: true }), launchBrowser()]);
    browsers.push(aliceBrowser, bobBrowser, shopperBrowser);
    await skills('alice@counterpart.test', [IssueType.AfterSales, IssueType.Order]);
    await skills('bob@counterpart.test', [IssueType.PreSale]);
    // Bob is available first (idle longer), but he has no after-sales skill.
    const bob = await AgentSide.open(bobBrowser, stack.shopUrl);
    await bob.signIn(stack.serverUrl, 'bob@counterpart.test', 'bob-demo-pass');
    await bob.setPresence('available');
    const alice = await AgentSide.open(aliceBrowser, stack.shopUrl);
    await alice.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await alice.setPresence('available');

    // Anna, signed in to the shop, asks about the Oak Serving Board: returns and repairs, by chat.
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1 });
    await (await shopper.page.waitForSelector(`${W}[data-testid=cp-launcher]`))!.click();
    await shopper.page.waitForSelector(`${W}[data-testid=cp-topic]`, { visible: true });
    await shopper.page.select(`${W}[data-testid=cp-topic]`, IssueType.AfterSales);
    await (await shopper.page.waitForSelector(`${W}[data-testid=cp-start-chat]`, { visible: true }))!.click();
    await shopper.sendChat('The board arrived with a crack along the grain.');

    const ring = await alice.waitRing();
    expect(ring.need).toMatch(/Returns, repairs, warranty/);
    expect(await bob.hasRing()).toBe(false);
    await alice.accept();
    await alice.waitChat('The board arrived with a crack along the grain.');
    // Customer 360: Anna's orders from the shop and her earlier conversation with Bob.
    const earlier = await (await alice.console.waitForSelector('[data-testid=history-conversations] li', { timeout: 15_000 }))!.evaluate((e) => e.textContent ?? '');
    expect(earlier).toContain('Bob Chen');
    expect(await alice.console.$$eval('[data-testid=history-orders] li', (l) => l.map((e) => Number((e as HTMLElement).dataset.orderId)))).toEqual([1010, 1007, 1003, 1001]);
    // The shop's statuses in the agent's words, not the shop's keys.
    expect(await alice.console.$eval('[data-testid=history-orders] li', (e) => e.textContent ?? '')).toMatch(/^#1010 · Processing · /);
    await alice.sendChat('Sorry about that! Let me pass you to our exchanges desk.');
    await shopper.waitChat('Sorry about that! Let me pass you to our exchanges desk.');

    // Alice transfers to Bob with a note.
    const a = alice.console;
    // Bob steps away just before; the open form follows him back (the list refreshes while it is open).
    await bob.setPresence('away');
    await a.click('[data-testid=call-transfer]');
    await a.waitForSelector('[data-testid=transfer-agent] option');
    expect(await text(a, '[data-testid=transfer-agent]')).toContain('Bob Chen · Away');
    await bob.setPresence('available');
    await a.waitForFunction(() => document.querySelector('[data-testid=transfer-agent]')?.textContent?.includes('Bob Chen · Available'), { timeout: 15_000 });
    await a.type('[data-testid=transfer-note]', 'Cracked board, photo promised; wants an exchange not a refund.');
    await a.click('[data-testid=transfer-submit]');
    expect(await alice.waitNotice('You transferred the conversation')).toMatch(/next agent/);
    // The shopper is told, and keeps the conversation.
    await shopper.page.waitForFunction(
      () => /Transferring you to another agent/.test(document.querySelector('counterpart-widget')?.shadowRoot?.querySelector('[data-testid=cp-status]')?.textContent ?? ''),
      { timeout: 15_000 },
    );

    await bob.waitRing();
    expect(await text(bob.console, '[data-testid=ring-transfer]')).toContain('Transferred to you by Alice Martin');
    expect(await text(bob.console, '[data-testid=ring-transfer-note]')).toBe('Cracked board, photo promised; wants an exchange not a refund.');
    await bob.accept();
    // Bob sees what was said: the shopper is not asked again.
    await bob.waitChat('The board arrived with a crack along the grain.');
    await bob.sendChat('Hi Anna, Bob here. I will send a new board today.');
    await shopper.waitChat('Hi Anna, Bob here. I will send a new board today.');

    // The ticket carries the transfer; Bob links the order, ends the conversation, resolves in wrap-up.
    const b = bob.console;
    await b.waitForFunction(() => [...document.querySelectorAll('[data-testid=ticket-entries] li[data-kind=transfer]')].some((li) => li.textContent?.includes('wants an exchange')), { timeout: 15_000 });
    await (await b.waitForSelector('[data-testid=ticket-use-latest]', { timeout: 15_000 }))!.click();
    await bob.hangup();
    await bob.waitState('wrap_up');
    // The shopper rates it 5 with a comment.
    await shopper.waitState('ended');
    await shopper.click('cp-rating-star-5');
    await (await shopper.page.waitForSelector(`${W}[data-testid=cp-rating-comment]`, { visible: true }))!.type('Two people, one answer. Thanks!');
    await shopper.click('cp-rating-send');
    await shopper.page.waitForSelector(`${W}[data-testid=cp-rating-thanks]`, { visible: true, timeout: 15_000 });
    await b.type('[data-testid=ticket-resolution]', 'Exchange: new board shipped with order 1010.');
    await b.click('[data-testid=ticket-resolve]');
    await b.waitForSelector('[data-testid=ticket-status][data-status=resolved]', { timeout: 15_000 });
    await bob.waitState('available');
    const ticketId = Number(await b.$eval('[data-testid=ticket-title]', (e) => (e as HTMLElement).dataset.ticketId));

    const sam = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    const t = await apiRequest(stack.serverUrl, `/api/tickets/${ticketId}`, TicketView, { token: sam.token });
    expect(t).toMatchObject({ status: TicketStatus.Resolved, issueType: IssueType.AfterSales, orderId: 1010, resolution: 'Exchange: new board shipped with order 1010.', assignee: { name: 'Bob Chen' } });
    expect(t.entries.find((e) => e.kind === TicketEntryKind.Transfer)).toMatchObject({ author: { name: 'Alice Martin' }, body: 'Cracked board, photo promised; wants an exchange not a refund.' });
    expect(t.conversations).toHaveLength(1);
    expect(t.conversations[0]!.rating).toMatchObject({ score: 5, comment: 'Two people, one answer. Thanks!' });
    expect(t.conversations[0]!.agents.map((x) => x.name)).toEqual(['Alice Martin', 'Bob Chen']);
    expect(t.conversations[0]!.transcript.map((m) => m.text)).toEqual(
      expect.arrayContaining(['The board arrived with a crack along the grain.', 'Sorry about that! Let me pass you to our exchanges desk.', 'Hi Anna, Bob here. I will send a new board today.']),
    );
  });
});
