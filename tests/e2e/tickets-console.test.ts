/**
 * The ticket in the agent console, in Chromium with the built extension: a canned response goes
 * out with `/shortcut`; the conversation's ticket opens when the agent answers; the agent links the customer's latest order in one click, adds a
 * note, sets it pending; after the conversation, during wrap-up, resolving it ends wrap-up.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginResponse, TicketEntryKind, TicketStatus, TicketView, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';

describe('the ticket in the console', () => {
  let stack: Stack;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    stack = await startStack({ WRAP_UP_MS: '600000' });
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await stack?.close();
  });

  it('is edited during the conversation and resolving it in wrap-up makes the agent available', async () => {
    const [agentBrowser, shopperBrowser] = await Promise.all([launchBrowser({ extension: true }), launchBrowser()]);
    browsers.push(agentBrowser, shopperBrowser);
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1 });
    await shopper.start('chat');
    await agent.waitRing();
    await agent.accept();

    const c = agent.console;
    // A canned response: "/ret" offers the returns text; Enter puts it in the box; it is sent as typed.
    await c.waitForSelector('[data-testid=chat-form][data-ready=true]', { timeout: 15_000 });
    await c.type('[data-testid=chat-input]', '/ret');
    await c.waitForSelector('[data-testid=canned-item][data-shortcut=returns]', { timeout: 15_000 });
    await c.keyboard.press('Enter');
    const body = await c.$eval('[data-testid=chat-input]', (e) => (e as HTMLInputElement).value);
    expect(body).toMatch(/^You can return any item within 30 days/);
    await c.keyboard.press('Enter');
    await shopper.waitChat(body);
    const ticketId = Number(await (await c.waitForSelector('[data-testid=ticket-title]', { timeout: 15_000 }))!.evaluate((e) => (e as HTMLElement).dataset.ticketId));
    expect(ticketId).toBeGreaterThan(0);
    expect(await c.$eval('[data-testid=ticket-status]', (e) => e.getAttribute('data-status'))).toBe(TicketStatus.Open);
    // Anna's latest order (1010) is one click away once the shop's context has arrived.
    await (await c.waitForSelector('[data-testid=ticket-use-latest]', { timeout: 15_000 }))!.click();
    expect(await c.$eval('[data-testid=ticket-order]', (e) => (e as HTMLInputElement).value)).toBe('1010');
    await c.select('[data-testid=ticket-status-select]', TicketStatus.Pending);
    await c.click('[data-testid=ticket-save]');
    await c.waitForSelector('[data-testid=ticket-status][data-status=pending]', { timeout: 15_000 });
    await c.type('[data-testid=ticket-note]', 'Replacement agreed with the customer.');
    await c.click('[data-testid=ticket-note-add]');
    await c.waitForFunction(() => [...document.querySelectorAll('[data-testid=ticket-entries] li[data-kind=note]')].some((li) => li.textContent?.includes('Replacement agreed')), { timeout: 15_000 });
    // A bad order ID is refused with a clear message, and nothing is lost.
    await c.$eval('[data-testid=ticket-order]', (e) => {
      (e as HTMLInputElement).value = '1009';
      e.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await c.click('[data-testid=ticket-save]');
    const err = await (await c.waitForSelector('[data-testid=ticket-error]', { timeout: 15_000 }))!.evaluate((e) => e.textContent ?? '');
    expect(err).toMatch(/order ID/);

    await agent.hangup();
    await agent.waitState('wrap_up');
    // The ticket stays for wrap-up: resolve it with a resolution, and offers resume at once.
    await c.$eval('[data-testid=ticket-order]', (e) => {
      (e as HTMLInputElement).value = '1010';
      e.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await c.type('[data-testid=ticket-resolution]', 'Replacement board shipped.');
    await c.click('[data-testid=ticket-resolve]');
    await c.waitForSelector('[data-testid=ticket-status][data-status=resolved]', { timeout: 15_000 });
    await agent.waitState('available');
    expect(await c.$('[data-testid=wrapup]')).toBeNull();
    await c.click('[data-testid=ticket-close]');
    await c.waitForFunction(() => !document.querySelector('[data-testid=ticket-card]'), { timeout: 15_000 });

    const sam = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    const t = await apiRequest(stack.serverUrl, `/api/tickets/${ticketId}`, TicketView, { token: sam.token });
    expect(t).toMatchObject({ status: TicketStatus.Resolved, orderId: 1010, resolution: 'Replacement board shipped.', assignee: { name: 'Alice Martin' } });
    expect(t.entries.filter((e) => e.kind === TicketEntryKind.Note).map((e) => e.body)).toEqual(['Replacement agreed with the customer.']);
    expect(t.entries.filter((e) => e.kind === TicketEntryKind.Status).map((e) => e.body)).toEqual([TicketStatus.Pending, TicketStatus.Resolved]);
    expect(t.conversations).toHaveLength(1);
  });
});
