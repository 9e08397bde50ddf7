/**
 * The shopper's side of tickets, with the real widget in Chromium: after a conversation an agent
 * answered and ended, the ended screen rates it (4 stars chosen with the keyboard, a comment) and
 * gives the ticket's link; the ticket page (its own tab, under the server's strict CSP) shows the
 * status and the rating, takes a message and a text file and lists them, and downloads the file.
 * A forged, an expired and a missing link each show the invalid-link screen. The agent is a
 * realtime socket client, as the integration tests drive it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketEntryKind, TicketStatus, TicketView, apiRequest, type TicketLink } from '../../protocol/index';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { DEMO, httpRequest, waitFor } from '../helpers/server';
import type { RealtimeClient } from '../helpers/sockets';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';

const W = 'counterpart-widget >>> ';
const COMMENT = 'Quick and kind, thank you.';

/** The ticket page's state (`data-state` of its main element). */
const waitPage = (page: Page, state: 'ready' | 'invalid' | 'error') =>
  page.waitForSelector(`[data-testid=tk-page][data-state=${state}]`, { timeout: 15_000 });
const entryTexts = (page: Page) => page.$$eval('[data-testid=tk-entry]', (lis) => lis.map((li) => `${li.getAttribute('data-kind')}:${li.querySelector('[data-testid=tk-entry-text]')?.textContent ?? ''}`));

describe('the shopper rates a conversation and follows its ticket', () => {
  let stack: Stack;
  let browser: Browser;
  const sockets: RealtimeClient[] = [];
  /** The link the widget handed out (the second test forges and expires it). */
  let link: TicketLink | null = null;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await browser?.close();
    await stack?.close();
  });

  it('rates it 4 in the widget, opens the ticket page, adds a message and a file, and sees them listed', async () => {
    const alice = await agentConsole({ url: stack.serverUrl }, DEMO.alice, undefined, (rt) => void sockets.push(rt));
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    const page = shopper.page;
    await shopper.start('chat');
    const { conversationId } = await acceptOffer(alice);
    await shopper.waitState('chatting');
    await shopper.sendChat('The board arrived with a crack.');
    await alice.rt.next('chat.message', { where: (m) => m.message.text === 'The board arrived with a crack.' });
    alice.rt.send({ type: 'conversation.end', conversationId });
    await shopper.waitState('ended');

    // The rating, by keyboard: Space chooses the focused star, the arrow keys move the choice.
    const star1 = (await page.waitForSelector(`${W}[data-testid=cp-rating-star-1]`, { visible: true }))!;
    await star1.focus();
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    const checked = await page.$$eval(`${W}[data-testid^=cp-rating-star-]`, (bs) => bs.filter((b) => b.getAttribute('aria-checked') === 'true').map((b) => b.getAttribute('data-testid')));
    expect(checked).toEqual(['cp-rating-star-4']);
    await (await page.waitForSelector(`${W}[data-testid=cp-rating-comment]`, { visible: true }))!.type(COMMENT);
    await shopper.click('cp-rating-send');
    const thanks = await (await page.waitForSelector(`${W}[data-testid=cp-rating-thanks]`, { visible: true, timeout: 15_000 }))!.evaluate((e) => e.textContent);
    expect(thanks).toBe('Thank you for your rating!');
    // Stored: the agent's view of the ticket carries the rating.
    const staff = await apiRequest(stack.serverUrl, `/api/conversations/${conversationId}/ticket`, TicketView, { token: alice.token });
    expect(staff.conversations.find((c) => c.id === conversationId)?.rating).toMatchObject({ score: 4, comment: COMMENT });

    // The ticket's link: asked for, then shown as a link to a new tab.
    await shopper.click('cp-ticket-follow');
    const a = (await page.waitForSelector(`${W}[data-testid=cp-ticket-link]`, { visible: true, timeout: 15_000 }))!;
    const shown = await a.evaluate((e) => ({ href: (e as HTMLAnchorElement).href, target: e.getAttribute('target'), rel: e.getAttribute('rel'), text: e.textContent, id: (e as HTMLElement).dataset.ticketId }));
    expect(shown).toMatchObject({ target: '_blank', rel: 'noopener', text: `Open ticket #${staff.id}`, id: String(staff.id) });
    expect(shown.href).toMatch(new RegExp(`^${stack.serverUrl}/ticket/#[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    link = { ticketId: staff.id, url: shown.href, token: shown.href.split('#')[1]!, expiresAt: '' };

    const opened = browser.waitForTarget((t) => t.url().startsWith(`${stack.serverUrl}/ticket/`), { timeout: 15_000 });
    await a.click();
    const tp = (await (await opened).page())!;
    const violations: string[] = [];
    tp.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
    await waitPage(tp, 'ready');
    expect(await tp.$eval('[data-testid=tk-title]', (e) => e.textContent)).toBe(`Ticket #${staff.id}`);
    expect(await tp.$eval('[data-testid=tk-status]', (e) => [e.getAttribute('data-status'), e.textContent])).toEqual([TicketStatus.Open, 'Open']);
    expect(await tp.$eval('[data-testid=tk-topic]', (e) => e.textContent)).toBe('A question before buying');
    expect(await tp.$eval('[data-testid=tk-rated]', (e) => e.getAttribute('data-score'))).toBe('4');
    expect(await tp.$eval('[data-testid=tk-rated-comment]', (e) => e.textContent)).toBe(COMMENT);
    expect(await tp.$eval('[data-testid=tk-empty]', (e) => !(e as HTMLElement).hidden)).toBe(true);
    expect(await tp.$eval('[data-testid=tk-files-count]', (e) => e.textContent)).toBe('0 of 20 added');

    // Send with nothing written: said, not ignored; nothing is sent.
    await tp.click('[data-testid=tk-message-send]');
    await tp.waitForSelector('[data-testid=tk-message-error]:not([hidden])', { timeout: 15_000 });
    expect(await tp.$eval('[data-testid=tk-message-error]', (e) => e.textContent)).toBe('Write your message first.');
    expect(await tp.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tk-message-input');

    // A message (markup in it stays text) and a small text file.
    const message = 'The crack is on the <b>left</b> corner.\nPhoto to follow.';
    await tp.type('[data-testid=tk-message-input]', message);
    await tp.click('[data-testid=tk-message-send]');
    await tp.waitForFunction(() => document.querySelectorAll('[data-testid=tk-entry][data-kind=message]').length === 1, { timeout: 15_000 });
    expect(await tp.$eval('[data-testid=tk-message-input]', (e) => (e as HTMLTextAreaElement).value)).toBe('');
    expect(await tp.$('[data-testid=tk-entries] b')).toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-ticket-'));
    const file = path.join(dir, 'delivery-note.txt');
    fs.writeFileSync(file, 'Parcel 4471, delivered 12 May, box dented.');
    await ((await tp.$('[data-testid=tk-file-input]')) as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(file);
    await tp.waitForFunction(() => document.querySelectorAll('[data-testid=tk-entry][data-kind=file]').length === 1, { timeout: 15_000 });
    expect(await entryTexts(tp)).toEqual([`message:${message}`, 'file:delivery-note.txt']);
    expect(await tp.$eval('[data-testid=tk-files-count]', (e) => e.textContent)).toBe('1 of 20 added');
    expect(await tp.$eval('[data-testid=tk-empty]', (e) => (e as HTMLElement).hidden)).toBe(true);

    // The file comes back through the bearer, as a download under its own name.
    const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-downloads-'));
    const cdp = await tp.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await tp.click('[data-testid=tk-download]');
    const got = await waitFor(() => (fs.existsSync(path.join(downloads, 'delivery-note.txt')) ? fs.readFileSync(path.join(downloads, 'delivery-note.txt'), 'utf8') : null), 'the downloaded file', 15_000);
    expect(got).toBe('Parcel 4471, delivered 12 May, box dented.');

    // Staff see what the shopper added; the page ran under the CSP with no violation.
    const after = await apiRequest(stack.serverUrl, `/api/tickets/${staff.id}`, TicketView, { token: alice.token });
    expect(after.entries.filter((e) => e.kind !== TicketEntryKind.Status).map((e) => [e.kind, e.body])).toEqual([
      [TicketEntryKind.Message, message],
      [TicketEntryKind.File, 'delivery-note.txt'],
    ]);
    const res = await httpRequest(`${stack.serverUrl}/ticket/`);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(violations).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(downloads, { recursive: true, force: true });
  });

  it('a forged, an expired or a missing link shows the invalid-link screen; a good one in its place opens the ticket', async () => {
    expect(link, 'the first test hands out a link').not.toBeNull();
    const { token, ticketId } = link!;
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { site: number; aud: string; iss: string };
    // Another ticket's number under the same signature.
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: String(ticketId + 1) })).toString('base64url')}.${sig}`;
    // Signed with the server's own key, for this ticket, but expired a minute ago.
    const key = new TextEncoder().encode(fs.readFileSync(path.join(stack.dataDir, 'jwt-secret'), 'utf8').trim());
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ site: claims.site })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setSubject(String(ticketId))
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(key);

    const page = await browser.newPage();
    for (const bad of [forged, expired, '']) {
      await page.goto('about:blank');
      await page.goto(`${stack.serverUrl}/ticket/#${bad}`);
      await waitPage(page, 'invalid');
      expect(await page.$eval('[data-testid=tk-invalid]', (e) => e.textContent)).toContain('not valid or has expired');
      expect(await page.$eval('[data-testid=tk-title]', (e) => e.textContent)).toBe('');
    }
    // The fragment changes to a good link: the page follows it without a reload.
    await page.evaluate((t: string) => void (location.hash = t), token);
    await waitPage(page, 'ready');
    expect(await page.$eval('[data-testid=tk-title]', (e) => e.textContent)).toBe(`Ticket #${ticketId}`);
  });
});
