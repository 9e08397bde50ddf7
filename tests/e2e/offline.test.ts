/**
 * Business hours and offline messages with the real widget in Chromium. Outside the site's hours
 * (BUSINESS_HOURS, the demo's way) the panel says when the shop opens again and shows the message
 * form; the shopper writes their name, e-mail and message and adds a small text file; the widget
 * confirms with the ticket's link, and the supervisor finds the ticket (source offline) with the
 * message and the file — no conversation was ever started. In hours, a shopper who waits with no
 * agent for OFFLINE_AFTER_MS is offered to leave a message instead: the request ends as abandoned
 * and stays on the ticket with what they typed while waiting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, ElementHandle } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, TicketEntryKind, TicketList, TicketSource, TicketView, apiRequest } from '../../protocol/index';
import { HoursStore } from '../../server/src/sites/hours-store';
import { catalogues, closedText } from '../../widget/src/i18n/index';
import { DEMO, login, waitFor } from '../helpers/server';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';

const W = 'counterpart-widget >>> ';
const DAY = 86_400_000;
const NINE_TO_FIVE = [{ from: '09:00', to: '17:00' }];
const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
/** In UTC: open 09:00–17:00 every day, but today and tomorrow are holidays — so it opens the day after tomorrow at 09:00. */
const CLOSED = {
  timezone: 'UTC',
  weekly: { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE, sat: NINE_TO_FIVE, sun: NINE_TO_FIVE },
  closedDates: [new Date(today).toISOString().slice(0, 10), new Date(today + DAY).toISOString().slice(0, 10)],
};
const OPENS = new Date(today + 2 * DAY + 9 * 3_600_000).toISOString();
const spaces = (s: string) => s.replace(/\s+/g, ' ');

/** Waits for a widget element by test id in this `data-state` (polled: shadow-root changes are not seen by document observers). */
async function waitStateOf(shopper: ShopperPage, testId: string, state: string): Promise<void> {
  await shopper.page.waitForFunction(
    (id: string, s: string) => document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>(`[data-testid=${id}]`)?.dataset.state === s,
    { timeout: 15_000, polling: 100 },
    testId,
    state,
  );
}

async function fill(shopper: ShopperPage, testId: string, text: string): Promise<void> {
  await (await shopper.page.waitForSelector(`${W}[data-testid=${testId}]`, { visible: true }))!.type(text);
}

describe('offline messages in the widget', () => {
  let stack: Stack;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    stack = await startStack({ BUSINESS_HOURS: JSON.stringify(CLOSED), OFFLINE_AFTER_MS: '1500' });
    browser = await launchBrowser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-offline-'));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('outside business hours: says when the shop opens, takes a message with a file, and the ticket is there for staff', async () => {
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    const page = shopper.page;
    await (await page.waitForSelector(`${W}[data-testid=cp-launcher]`))!.click();
    await shopper.waitState('offline');
    expect(spaces(await shopper.statusText())).toBe(spaces(closedText(catalogues.en, 'en', OPENS)));
    // The start buttons are not offered: nothing can start now.
    expect(await page.$eval(`${W}[data-testid=cp-start-chat]`, (b) => (b as HTMLElement).offsetParent === null)).toBe(true);

    await fill(shopper, 'cp-offline-name', 'Mia Wong');
    await fill(shopper, 'cp-offline-email', 'mia@example.test');
    await fill(shopper, 'cp-offline-text', 'Do you ship the oak board to Norway?\nI would need it by Friday.');
    await page.select(`${W}[data-testid=cp-offline-topic]`, 'order');
    const file = path.join(dir, 'address.txt');
    fs.writeFileSync(file, 'Mia Wong, Storgata 1, 0155 Oslo');
    await ((await page.waitForSelector(`${W}[data-testid=cp-offline-file-input]`)) as ElementHandle<HTMLInputElement>).uploadFile(file);
    await page.waitForSelector(`${W}[data-testid=cp-offline-file]`, { visible: true });
    await shopper.click('cp-offline-send');

    await waitStateOf(shopper, 'cp-offline', 'sent');
    await waitStateOf(shopper, 'cp-offline-upload', 'done');
    const sent = await page.$eval(`${W}[data-testid=cp-offline-sent]`, (e) => e.textContent ?? '');
    expect(sent).toContain('Thank you! We have your message.');
    expect(sent).toContain('We will reply to mia@example.test.');
    const link = await page.$eval(`${W}[data-testid=cp-offline-ticket-link]`, (a) => ({ href: (a as HTMLAnchorElement).href, text: a.textContent, id: (a as HTMLElement).dataset.ticketId, target: a.getAttribute('target'), rel: a.getAttribute('rel') }));
    expect(link).toMatchObject({ text: `Open ticket #${link.id}`, target: '_blank', rel: 'noopener' });
    expect(link.href).toMatch(new RegExp(`^${stack.serverUrl}/ticket/#[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));

    // The supervisor's list and the ticket: the message first, then the file; no conversation.
    const sam = await login(stack.serverUrl, DEMO.sam);
    const listed = (await apiRequest(stack.serverUrl, '/api/tickets', TicketList, { token: sam.token })).tickets.find((t) => t.id === Number(link.id));
    expect(listed).toMatchObject({ source: TicketSource.Offline, customerName: 'Mia Wong', issueType: 'order', conversations: 0 });
    const t = await apiRequest(stack.serverUrl, `/api/tickets/${link.id}`, TicketView, { token: sam.token });
    expect(t.customer).toMatchObject({ name: 'Mia Wong', email: 'mia@example.test' });
    expect(t.entries.map((e) => [e.kind, e.body])).toEqual([
      [TicketEntryKind.Message, 'Do you ship the oak board to Norway?\nI would need it by Friday.'],
      [TicketEntryKind.File, 'address.txt'],
    ]);
    expect(t.entries[1]!.file).toMatchObject({ name: 'address.txt', type: 'text/plain', size: 31 });
    expect(await stack.server.db('conversations').count({ n: '*' })).toEqual([{ n: 0 }]);

    // The link opens the ticket page with both.
    const opened = browser.waitForTarget((x) => x.url().startsWith(`${stack.serverUrl}/ticket/`), { timeout: 15_000 });
    await (await page.waitForSelector(`${W}[data-testid=cp-offline-ticket-link]`))!.click();
    const tp = (await (await opened).page())!;
    await tp.waitForSelector('[data-testid=tk-page][data-state=ready]', { timeout: 15_000 });
    expect(await tp.$$eval('[data-testid=tk-entry]', (lis) => lis.map((li) => li.getAttribute('data-kind')))).toEqual(['message', 'file']);
    await tp.close();
    await page.close();
  });

  it('in hours, after waiting with no agent: the offer to leave a message, and the request stays on the ticket', async () => {
    const siteId = Number((await stack.server.db('sites').first('id')).id);
    await new HoursStore(stack.server.db).setHours(siteId, null);
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    const page = shopper.page;
    await shopper.start('chat');
    await shopper.waitState('queued', 'no-agent');
    await shopper.sendChat('Is anyone there?');
    await shopper.waitChat('Is anyone there?');
    // OFFLINE_AFTER_MS (1.5 s) after the request: the offer, while it still waits.
    await shopper.click('cp-offline-leave');
    await shopper.waitState('offline');
    await fill(shopper, 'cp-offline-name', 'Ole Berg');
    await fill(shopper, 'cp-offline-email', 'ole@example.test');
    await fill(shopper, 'cp-offline-text', 'Please call me back about delivery.');
    await shopper.click('cp-offline-send');
    await waitStateOf(shopper, 'cp-offline', 'sent');
    const id = Number(await page.$eval(`${W}[data-testid=cp-offline-ticket-link]`, (a) => (a as HTMLElement).dataset.ticketId));
    // Still the confirmation: the request's end does not replace it with "cancelled".
    await new Promise((r) => setTimeout(r, 500));
    expect(await shopper.state()).toBe('offline');

    const sam = await login(stack.serverUrl, DEMO.sam);
    const t = await waitFor(async () => {
      const v = await apiRequest(stack.serverUrl, `/api/tickets/${id}`, TicketView, { token: sam.token });
      return v.conversations.length ? v : null;
    }, 'the request on the ticket');
    expect(t.source).toBe(TicketSource.Offline);
    expect(t.conversations.map((c) => [c.state, c.transcript.map((m) => m.text)])).toEqual([[ConversationState.Abandoned, ['Is anyone there?']]]);
    expect(stack.server.conversations.snapshot().conversations).toEqual([]);
    // Nothing left to resume on the next page.
    expect(await page.evaluate(() => localStorage.getItem('counterpart:demo-shop'))).toBeNull();
  });
});
