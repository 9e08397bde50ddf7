/**
 * The dashboard's Tickets pages in Chromium, on data made through the real server: a signed-in
 * customer (Anna) chats with Alice, who notes the ticket and links order 1010; the conversation
 * ends and Anna rates it. Sam opens Tickets from the dashboard's header, sees the row with its
 * status and rating, opens it and finds the note, the transcript, the rating and the agent; he
 * changes the status from the page (a conflicting change first is reloaded and said so) and the
 * API has it.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConversationState,
  IssueType,
  MediaKind,
  Role,
  TicketEntryKind,
  TicketStatus,
  TicketView,
} from '../../protocol/index';
import { DEMO_ENV } from '../../server/src/config';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, bearer, httpRequest, login, shopperSession, type HttpResult } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';
import { launchBrowser } from './support/browser';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';

const SHOPPER_TEXT = 'The board arrived cracked <b>twice</b>.';
const NOTE = 'Replacement agreed; photo on file.';

describe('the dashboard’s tickets', () => {
  let stack: Stack;
  let browser: Browser;
  const sockets: RealtimeClient[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await browser?.close();
    await stack?.close();
  });

  const api = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<HttpResult> =>
    httpRequest(`${stack.serverUrl}/api${path}`, { ...init, headers: bearer(token) });
  const view = (res: HttpResult): TicketView => {
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
    return TicketView.parse(res.json);
  };

  /** Anna's rated chat with Alice: a ticket with a note, order 1010 linked, a transcript and a rating. */
  async function ratedTicket(): Promise<{ ticketId: number; conversationId: string }> {
    const server = { url: stack.serverUrl };
    const alice = await agentConsole(server, DEMO.alice, undefined, (rt) => void sockets.push(rt));
    const shopper = await shopperSession(stack.serverUrl, { origin: stack.shopUrl, customerId: 1, identitySecret: DEMO_ENV.SITE_IDENTITY_SECRET });
    const rt = await openRealtime(stack.serverUrl, shopper.token);
    sockets.push(rt);
    const sync = await startConversation(rt, startMessage({ channel: MediaKind.Chat, issueType: IssueType.AfterSales, productId: 103 }));
    const id = sync.conversation.id;
    await acceptOffer(alice, id);
    rt.send({ type: 'chat.send', conversationId: id, clientId: 'dash-ticket-0001', text: SHOPPER_TEXT });
    await alice.rt.next('chat.message', { where: (m) => m.message.text === SHOPPER_TEXT });

    let t = view(await api(`/conversations/${id}/ticket`, alice.token));
    t = view(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version, orderId: 1010 } }));
    view(await api(`/tickets/${t.id}/notes`, alice.token, { body: { body: NOTE } }));

    alice.rt.send({ type: 'conversation.end', conversationId: id });
    await rt.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Closed });
    const rated = await api(`/shopper/conversations/${id}/rating`, shopper.token, { body: { score: 4, comment: 'Quick and kind.' } });
    expect(rated.status, rated.text).toBe(204);
    return { ticketId: t.id, conversationId: id };
  }

  it('lists the ticket, shows everything on it, and changes its status from the page', async () => {
    const { ticketId, conversationId } = await ratedTicket();
    const sam = await login(stack.serverUrl, DEMO.sam);

    const supervisor = await SupervisorPage.open(browser, stack.serverUrl, DEMO.sam.email, DEMO.sam.password);
    const page = supervisor.page;
    // The wallboard is the first page; the header leads to Tickets.
    expect(await page.$eval('[data-testid=nav-live]', (a) => a.getAttribute('aria-current'))).toBe('page');
    await page.click('[data-testid=nav-tickets]');
    const row = `[data-testid=ticket-row][data-ticket-id="${ticketId}"]`;
    await page.waitForSelector(row, { timeout: 15_000 });
    expect(page.url()).toMatch(/#\/tickets$/);
    const cells = await page.$eval(row, (tr) => ({
      status: (tr as HTMLElement).dataset.status,
      text: [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? ''),
    }));
    expect(cells.status).toBe(TicketStatus.Open);
    // number, status, topic, customer, assignee, order, conversations, rating, updated
    expect(cells.text.slice(0, 8)).toEqual([`#${ticketId}`, 'Open', 'Returns, repairs, warranty', expect.stringContaining('Anna'), 'Alice Martin', '#1010', '1', '★ 4.0']);

    // The filter: not among pending tickets, among open ones.
    await page.click('[data-testid=tickets-filter][data-status=pending]');
    await page.waitForSelector('[data-testid=tickets-page][data-status=pending] [data-testid=tickets-empty]', { timeout: 15_000 });
    await page.click('[data-testid=tickets-filter][data-status=open]');
    await page.waitForSelector(`[data-testid=tickets-page][data-status=open] ${row}`, { timeout: 15_000 });

    await page.click(row);
    await page.waitForSelector(`[data-testid=ticket-page][data-ticket-id="${ticketId}"][data-status=open]`, { timeout: 15_000 });
    expect(page.url()).toMatch(new RegExp(`#/tickets/${ticketId}$`));
    const shown = await page.evaluate(() => {
      const text = (sel: string) => [...document.querySelectorAll(sel)].map((e) => e.textContent?.replace(/\s+/g, ' ').trim() ?? '');
      return {
        title: text('[data-testid=ticket-title]'),
        customer: text('[data-testid=ticket-customer]'),
        assignee: text('[data-testid=ticket-assignee]'),
        order: text('[data-testid=ticket-order]'),
        notes: text('[data-testid=ticket-entry][data-kind=note]'),
        conversations: [...document.querySelectorAll<HTMLElement>('[data-testid=ticket-conversation]')].map((c) => c.dataset.conversationId),
        transcript: text('[data-testid=transcript-message][data-kind=text]'),
        // Server text is text: the shopper's markup is not parsed.
        injected: document.querySelectorAll('[data-testid=transcript] b').length,
        rating: document.querySelector<HTMLElement>('[data-testid=conversation-rating]')?.dataset.score,
        comment: text('[data-testid=rating-comment]'),
        agents: text('[data-testid=conversation-agents]'),
      };
    });
    expect(shown).toMatchObject({
      title: [`Ticket #${ticketId}`],
      assignee: ['Alice Martin'],
      order: ['#1010'],
      conversations: [conversationId],
      injected: 0,
      rating: '4',
      comment: ['Quick and kind.'],
      agents: ['Alice Martin'],
    });
    expect(shown.customer[0]).toMatch(/Anna/);
    expect(shown.notes).toEqual([expect.stringContaining(NOTE)]);
    expect(shown.notes[0]).toContain('Alice Martin');
    expect(shown.transcript).toEqual([expect.stringContaining(SHOPPER_TEXT)]);

    // Someone else changes it first: the page's edit is refused, it reloads and says so.
    const before = view(await api(`/tickets/${ticketId}`, sam.token));
    view(await api(`/tickets/${ticketId}`, sam.token, { method: 'PATCH', body: { version: before.version, status: TicketStatus.Pending } }));
    await page.select('[data-testid=ticket-status-select]', TicketStatus.Resolved);
    await page.click('[data-testid=ticket-status-save]');
    await page.waitForSelector('[data-testid=ticket-conflict]', { timeout: 15_000 });
    await page.waitForSelector(`[data-testid=ticket-page][data-status=pending]`, { timeout: 15_000 });
    expect(await page.$eval('[data-testid=ticket-status-select]', (s) => (s as HTMLSelectElement).value)).toBe(TicketStatus.Pending);

    // Now against the version shown: resolved, and the API says so.
    await page.select('[data-testid=ticket-status-select]', TicketStatus.Resolved);
    await page.click('[data-testid=ticket-status-save]');
    await page.waitForSelector('[data-testid=ticket-page][data-status=resolved] [data-testid=ticket-saved]', { timeout: 15_000 });
    const after = view(await api(`/tickets/${ticketId}`, sam.token));
    expect(after).toMatchObject({ status: TicketStatus.Resolved, resolvedAt: expect.any(String), orderId: 1010 });
    const changes = after.entries.filter((e) => e.kind === TicketEntryKind.Status);
    expect(changes.map((e) => [e.body, e.author?.role])).toEqual([
      [TicketStatus.Pending, Role.Supervisor],
      [TicketStatus.Resolved, Role.Supervisor],
    ]);
    // The history on the page shows both changes.
    expect(await page.$$eval('[data-testid=ticket-entry][data-kind=status] [data-testid=ticket-status-badge]', (b) => b.map((x) => (x as HTMLElement).dataset.status))).toEqual([
      TicketStatus.Pending,
      TicketStatus.Resolved,
    ]);

    // A note from the page.
    await page.type('[data-testid=ticket-note]', 'Checked by the supervisor.');
    await page.click('[data-testid=ticket-note-add]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=ticket-entry][data-kind=note]')].some((li) => li.textContent?.includes('Checked by the supervisor.')), {
      timeout: 15_000,
    });
    expect(view(await api(`/tickets/${ticketId}`, sam.token)).entries.filter((e) => e.kind === TicketEntryKind.Note).map((e) => e.body)).toEqual([NOTE, 'Checked by the supervisor.']);

    // Back to the list (resolved now) and to the wallboard, which still works.
    await page.click('[data-testid=ticket-back]');
    await page.waitForSelector(`${row}[data-status=resolved]`, { timeout: 15_000 });
    await page.click('[data-testid=nav-live]');
    await supervisor.waitAgentState(DEMO.alice.email, 'available');
  });
});
