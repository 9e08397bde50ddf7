/**
 * Business hours and a new invite link on the dashboard, in Chromium against the real server.
 * Ada (admin) opens Settings → Business hours (the site is open always), switches to business
 * hours, sets Monday 09:00–17:00 in Europe/Berlin and copies it to Tuesday–Friday, adds a closed
 * date and saves — the REST API has them. A bad time zone is marked and not sent, and the server's
 * own refusal (a zone rewritten on the way) is shown as text; "open always" stores null. Then Ada
 * invites Ivy, opens her account and makes a new invite link: it sets Ivy's password in a fresh
 * browser; once it has, a further link is refused (409) and the page says why. Sam (supervisor)
 * reaching the business hours by their address is told they are for admins, and so is the server.
 */
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditList, Role, SiteHoursList, type BusinessHours } from '../../protocol/index';
import { DEMO, bearer, httpRequest, login } from '../helpers/server';
import { launchBrowser } from './support/browser';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';

const ADA = { email: 'ada@counterpart.test', password: 'ada-demo-pass' };
const IVY = { email: 'ivy@counterpart.test', name: 'Ivy Blake', password: 'ivy-first-password' };
const T = { timeout: 15_000 };
const NINE_TO_FIVE = [{ from: '09:00', to: '17:00' }];

describe('business hours and a new invite link on the dashboard', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let token = '';

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    token = (await login(stack.serverUrl, ADA)).token;
    page = (await SupervisorPage.open(browser, stack.serverUrl, ADA.email, ADA.password)).page;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const text = (sel: string) => page.$eval(sel, (e) => e.textContent?.replace(/\s+/g, ' ').trim() ?? '');
  const disabled = (sel: string) => page.$eval(sel, (b) => (b as HTMLButtonElement).disabled);
  const day = (d: string) => `[data-testid=hours-day][data-day=${d}]`;
  async function storedHours(): Promise<BusinessHours | null> {
    const r = await httpRequest(`${stack.serverUrl}/api/admin/hours`, { headers: bearer(token) });
    return SiteHoursList.parse(r.json).sites[0]!.hours;
  }
  async function fill(sel: string, value: string): Promise<void> {
    await page.click(sel, { count: 3 });
    await page.$eval(sel, (e) => ((e as HTMLInputElement).value = ''));
    await page.type(sel, value);
  }
  /** A time or date input, as a picker sets it (the nth match of the selector). */
  async function setValue(sel: string, value: string, nth = 0): Promise<void> {
    await page.$$eval(
      sel,
      (els, v, n) => {
        const input = els[n] as HTMLInputElement;
        input.value = v;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      },
      value,
      nth,
    );
  }

  it('sets Monday–Friday 09:00–17:00 in Europe/Berlin with a closed date, then open always', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.waitForSelector('[data-testid=settings-state][data-state=clean]', T);
    await page.click('[data-testid=settings-nav-hours]');
    await page.waitForSelector('[data-testid=site-hours][data-mode=always] [data-testid=hours-state][data-state=clean]', T);
    expect(page.url()).toMatch(/#\/settings\/hours$/);
    expect(await page.$eval('[data-testid=nav-settings]', (a) => a.getAttribute('aria-current'))).toBe('page');
    expect(await text('[data-testid=hours-preview]')).toMatch(/Open now, and at any time/);
    expect(await storedHours()).toBeNull();

    // Business hours: a time zone (offered in a list), Monday's hours copied to the weekdays.
    await page.click('[data-testid=hours-mode-hours]');
    await page.waitForSelector('[data-testid=site-hours][data-mode=hours][data-dirty=true] [data-testid=hours-week]', T);
    expect(await page.$$eval('datalist option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toContain('Europe/Berlin');
    await fill('[data-testid=hours-timezone]', 'Europe/Berlin');
    for (const d of ['tue', 'wed', 'thu', 'fri']) {
      await page.click(`${day(d)} [data-testid=hours-remove]`);
      await page.waitForSelector(`${day(d)} [data-testid=hours-closed]`, T);
    }
    await setValue(`${day('mon')} [data-testid=hours-from]`, '10:00');
    await setValue(`${day('mon')} [data-testid=hours-to]`, '08:00');
    await page.waitForSelector(`${day('mon')} [data-testid=hours-interval-problem][data-problem=order]`, T);
    await page.waitForSelector('[data-testid=hours-state][data-state=invalid]', T);
    expect(await disabled('[data-testid=hours-save]')).toBe(true);
    await setValue(`${day('mon')} [data-testid=hours-from]`, '09:00');
    await setValue(`${day('mon')} [data-testid=hours-to]`, '17:00');
    await page.click('[data-testid=hours-copy-monday]');
    for (const d of ['tue', 'wed', 'thu', 'fri']) await page.waitForSelector(`${day(d)}[data-count="1"]`, T);
    // A second Saturday interval comes and goes; Saturday and Sunday stay closed.
    await page.click(`${day('sat')} [data-testid=hours-add]`);
    await page.waitForSelector(`${day('sat')} [data-testid=hours-interval-problem][data-problem=noTime]`, T);
    await page.click(`${day('sat')} [data-testid=hours-remove]`);
    await page.click('[data-testid=hours-date-add]');
    await setValue('[data-testid=hours-date]', '2026-12-24');
    await page.waitForSelector('[data-testid=hours-state][data-state=unsaved]', T);
    expect(await text('[data-testid=hours-preview]')).toMatch(/^With these hours It is .+ there: (open now|closed now)/);
    await page.click('[data-testid=hours-save]');
    await page.waitForSelector('[data-testid=site-hours][data-dirty=false] [data-testid=hours-state][data-state=saved]', T);
    expect(await storedHours()).toEqual({
      timezone: 'Europe/Berlin',
      weekly: { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE, sat: [], sun: [] },
      closedDates: ['2026-12-24'],
    });

    // Read back after a reload.
    await page.reload();
    await page.waitForSelector('[data-testid=site-hours][data-mode=hours] [data-testid=hours-state][data-state=clean]', T);
    expect(await page.$eval('[data-testid=hours-timezone]', (i) => (i as HTMLInputElement).value)).toBe('Europe/Berlin');
    expect(await page.$$eval('[data-testid=hours-date]', (is) => is.map((i) => (i as HTMLInputElement).value))).toEqual(['2026-12-24']);
    expect(await page.$$eval(`${day('fri')} [data-testid=hours-to]`, (is) => is.map((i) => (i as HTMLInputElement).value))).toEqual(['17:00']);

    // A bad time zone is marked and not sent.
    await fill('[data-testid=hours-timezone]', 'Mars/Olympus');
    await page.waitForSelector('[data-testid=hours-timezone-bad]', T);
    expect(await text('[data-testid=hours-timezone-bad]')).toMatch(/Not a time zone this browser knows/);
    expect(await page.$eval('[data-testid=hours-timezone]', (i) => i.getAttribute('aria-invalid'))).toBe('true');
    expect(await disabled('[data-testid=hours-save]')).toBe(true);

    // One the server refuses (rewritten on the way): its 400 and its own words, as text.
    await page.click('[data-testid=hours-reset]');
    await page.click(`${day('sun')} [data-testid=hours-add]`);
    await setValue(`${day('sun')} [data-testid=hours-from]`, '10:00');
    await setValue(`${day('sun')} [data-testid=hours-to]`, '14:00');
    await page.setRequestInterception(true);
    const rewrite = (req: HTTPRequest): void => {
      if (req.method() !== 'PUT' || !req.url().endsWith('/hours')) return void req.continue();
      const body = JSON.parse(req.postData() ?? '{}') as { hours: BusinessHours };
      void req.continue({ postData: JSON.stringify({ hours: { ...body.hours, timezone: 'Mars/Olympus' } }) });
    };
    page.on('request', rewrite);
    await page.click('[data-testid=hours-save]');
    await page.waitForSelector('[data-testid=hours-error][data-reason=invalid]', T);
    page.off('request', rewrite);
    await page.setRequestInterception(false);
    expect(await text('[data-testid=hours-error]')).toMatch(/The server refused this/);
    expect(await text('[data-testid=hours-error-server]')).toBe('The server said: hours.timezone: an IANA time zone such as Europe/Berlin');
    expect((await storedHours())?.weekly.sun).toEqual([]);

    // Open always: stored as null; the hours typed stay in the form for next time.
    await page.click('[data-testid=hours-mode-always]');
    await page.click('[data-testid=hours-save]');
    await page.waitForSelector('[data-testid=site-hours][data-mode=always] [data-testid=hours-state][data-state=saved]', T);
    expect(await storedHours()).toBeNull();
    const audit = AuditList.parse((await httpRequest(`${stack.serverUrl}/api/admin/audit`, { headers: bearer(token) })).json);
    expect(audit.entries.filter((e) => e.action === 'settings.hours').map((e) => e.after === null)).toEqual([true, false]);
  });

  it('makes a new invite link for an invited account, which sets their password', async () => {
    await page.click('[data-testid=nav-staff]');
    await page.waitForSelector('[data-testid=staff-row][data-email="ada@counterpart.test"]', T);
    await page.type('[data-testid=invite-email]', IVY.email);
    await page.type('[data-testid=invite-name]', IVY.name);
    await page.select('[data-testid=invite-role]', Role.Supervisor);
    await page.click('[data-testid=invite-submit]');
    await page.waitForSelector(`[data-testid=invite-link][data-email="${IVY.email}"]`, T);
    const first = await page.$eval('[data-testid=invite-url]', (i) => (i as HTMLInputElement).value);
    await page.click('[data-testid=invite-done]');

    // Her account: a new link, shown once, different from the first.
    await (await page.waitForSelector(`[data-testid=staff-row][data-email="${IVY.email}"]`, T))!.click();
    await page.waitForSelector(`[data-testid=account-page][data-email="${IVY.email}"] [data-testid=reinvite]`, T);
    await page.click('[data-testid=reinvite-submit]');
    await page.waitForSelector(`[data-testid=invite-link][data-email="${IVY.email}"]`, T);
    const fresh = await page.$eval('[data-testid=invite-url]', (i) => (i as HTMLInputElement).value);
    expect(fresh.startsWith(`${stack.serverUrl}/dashboard/#/invite/`)).toBe(true);
    expect(fresh).not.toBe(first);
    expect(await text('[data-testid=invite-once]')).toMatch(/works once, for 7 days/);
    await page.click('[data-testid=invite-done]');

    // Ivy, in a fresh browser context, sets her password with the new link and is signed in.
    const context = await browser.createBrowserContext();
    const ivy = await context.newPage();
    await ivy.goto(fresh);
    await ivy.type('[data-testid=invite-password]', IVY.password);
    await ivy.type('[data-testid=invite-repeat]', IVY.password);
    await ivy.click('[data-testid=invite-accept]');
    await ivy.waitForSelector('[data-testid=agent-row]', T);
    expect(await ivy.$eval('[data-testid=header-role]', (e) => e.textContent?.trim())).toBe('Supervisor');
    await context.close();
    expect((await login(stack.serverUrl, IVY)).user.role).toBe(Role.Supervisor);

    // She has a password now: another link is refused (409), and the page says why.
    await page.click('[data-testid=reinvite-submit]');
    await page.waitForSelector('[data-testid=reinvite-error][data-reason=conflict]', T);
    expect(await text('[data-testid=reinvite-error]')).toMatch(/has set its password already/);
    const audit = AuditList.parse((await httpRequest(`${stack.serverUrl}/api/admin/audit`, { headers: bearer(token) })).json);
    expect(audit.entries.filter((e) => e.action === 'staff.reinvite')).toHaveLength(1);
  });

  it('a supervisor is not allowed the business hours, by the page and by the server', async () => {
    const sam = (await SupervisorPage.open(browser, stack.serverUrl, DEMO.sam.email, DEMO.sam.password)).page;
    await sam.goto(`${stack.serverUrl}/dashboard/#/settings/hours`);
    await sam.waitForFunction(() => document.querySelector('[data-testid=not-allowed-server]')?.getAttribute('data-server-message')?.includes('(manage settings)'), T);
    expect(await sam.$eval('[data-testid=not-allowed]', (e) => e.textContent?.replace(/\s+/g, ' '))).toMatch(/Only admins can use this page/);
    expect(await sam.$('[data-testid=hours-page]')).toBeNull();
    await sam.close();
  });
});
