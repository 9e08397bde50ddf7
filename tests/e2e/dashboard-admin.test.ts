/**
 * The dashboard's admin pages in Chromium against the real server. Ada (admin) invites Nina as an
 * agent and reads the one-time link; Nina opens it in a fresh browser context, sets her password
 * and is told to use the extension (and can then sign in); Ada narrows Nina's skills and capacity,
 * deactivates Bob, changes the wrap-up time, adds a canned response, and finds every change in the
 * audit log with its before and after (server text shown as text), paging back with "Load older".
 * Sam (supervisor) has Canned responses and Audit log but neither Staff nor Settings (a direct
 * address says "not allowed", and so does the server); an agent cannot sign in to the dashboard;
 * a used or forged invite link has its own state.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, IssueType, Role, RoutingSettings, StaffList } from '../../protocol/index';
import { DEMO, bearer, httpRequest, login, type HttpResult } from '../helpers/server';
import { launchBrowser } from './support/browser';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';

const ADA = { email: 'ada@counterpart.test', password: 'ada-demo-pass' };
const NINA = { email: 'nina@counterpart.test', name: 'Nina Ito', password: 'nina-first-password' };
const T = { timeout: 15_000 };

describe('the dashboard’s admin pages', () => {
  let stack: Stack;
  let browser: Browser;
  let inviteUrl = '';

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const api = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<HttpResult> =>
    httpRequest(`${stack.serverUrl}/api${path}`, { ...init, headers: bearer(token) });
  const code = (r: HttpResult) => [r.status, (r.json as { error?: { code?: string } } | null)?.error?.code];
  const text = (page: Page, sel: string) => page.$eval(sel, (e) => e.textContent?.replace(/\s+/g, ' ').trim() ?? '');
  const tabs = (page: Page) => page.$$eval('nav a', (as) => as.map((a) => (a as HTMLElement).dataset.testid));
  async function fill(page: Page, sel: string, value: string): Promise<void> {
    await page.click(sel, { count: 3 });
    await page.$eval(sel, (e) => ((e as HTMLInputElement).value = ''));
    await page.type(sel, value);
  }
  async function openAccount(page: Page, email: string): Promise<void> {
    await page.click('[data-testid=nav-staff]');
    await page.waitForSelector('[data-testid=staff-page]', T);
    await (await page.waitForSelector(`[data-testid=staff-row][data-email="${email}"]`, T))!.click();
    await page.waitForSelector(`[data-testid=account-page][data-email="${email}"] [data-testid=account-access]`, T);
  }

  it('Ada invites Nina, who sets her password; Ada changes skills, capacity, access, settings and canned responses, all in the audit log', async () => {
    const ada = await login(stack.serverUrl, ADA);
    const page = (await SupervisorPage.open(browser, stack.serverUrl, ADA.email, ADA.password)).page;
    expect(await tabs(page)).toEqual(['nav-live', 'nav-tickets', 'nav-kpis', 'nav-canned', 'nav-audit', 'nav-staff', 'nav-settings']);
    expect(await text(page, '[data-testid=header-role]')).toBe('Admin');

    // Invite: the link once, working once for 7 days.
    await page.click('[data-testid=nav-staff]');
    await page.waitForSelector('[data-testid=staff-row][data-email="ada@counterpart.test"]', T);
    await page.type('[data-testid=invite-email]', NINA.email);
    await page.type('[data-testid=invite-name]', NINA.name);
    await page.select('[data-testid=invite-role]', Role.Agent);
    await page.click('[data-testid=invite-submit]');
    await page.waitForSelector(`[data-testid=invite-link][data-email="${NINA.email}"]`, T);
    inviteUrl = await page.$eval('[data-testid=invite-url]', (i) => (i as HTMLInputElement).value);
    expect(inviteUrl.startsWith(`${stack.serverUrl}/dashboard/#/invite/`)).toBe(true);
    expect(await text(page, '[data-testid=invite-once]')).toMatch(/works once, for 7 days/);
    await page.waitForSelector(`[data-testid=staff-row][data-email="${NINA.email}"][data-invited=true][data-role=agent]`, T);
    // The same e-mail again: the server's 409, said clearly.
    await page.type('[data-testid=invite-email]', NINA.email);
    await page.type('[data-testid=invite-name]', 'Nina Again');
    await page.click('[data-testid=invite-submit]');
    await page.waitForSelector('[data-testid=invite-error][data-reason=conflict]', T);
    expect(await text(page, '[data-testid=invite-error]')).toMatch(/already exists/);

    // Nina, in a fresh browser context: too short, then a password.
    const context = await browser.createBrowserContext();
    const nina = await context.newPage();
    await nina.goto(inviteUrl);
    await nina.waitForSelector('[data-testid=invite-page][data-state=form]', T);
    await nina.type('[data-testid=invite-password]', 'short');
    await nina.type('[data-testid=invite-repeat]', 'short');
    await nina.click('[data-testid=invite-accept]');
    await nina.waitForSelector('[data-testid=invite-password][aria-invalid=true]', T);
    await fill(nina, '[data-testid=invite-password]', NINA.password);
    await fill(nina, '[data-testid=invite-repeat]', NINA.password);
    await nina.click('[data-testid=invite-accept]');
    await nina.waitForSelector('[data-testid=invite-page][data-state=agent]', T);
    expect(await text(nina, '[data-testid=invite-agent-message]')).toBe(
      `You can now sign in to the Counterpart extension with your email (${NINA.email}) and this password.`,
    );
    await context.close();
    const ninaSession = await login(stack.serverUrl, { email: NINA.email, password: NINA.password });
    expect(ninaSession.user.role).toBe(Role.Agent);

    // Skills: only technical, level 5; capacity 2.
    await openAccount(page, NINA.email);
    for (const issue of Object.values(IssueType).filter((i) => i !== IssueType.Technical)) {
      await page.click(`[data-testid=skill-issue-row][data-issue=${issue}] [data-testid=skill-issue]`);
    }
    await page.select(`[data-testid=skill-issue-row][data-issue=${IssueType.Technical}] select`, '5');
    await page.click('[data-testid=skills-save]');
    await page.waitForSelector('[data-testid=skills-saved]', T);
    await page.click('[data-testid=capacity-own]');
    await fill(page, '[data-testid=capacity-chats]', '2');
    await page.click('[data-testid=capacity-save]');
    await page.waitForSelector('[data-testid=capacity-form][data-max-chats="2"] [data-testid=capacity-saved]', T);
    const staff = StaffList.parse((await api('/admin/staff', ada.token)).json).staff;
    const ninaAccount = staff.find((s) => s.email === NINA.email)!;
    expect(ninaAccount.skills.filter((s) => s.kind === 'issue')).toEqual([{ kind: 'issue', value: IssueType.Technical, level: 5 }]);
    expect(ninaAccount.skills.filter((s) => s.kind === 'language').map((s) => s.value)).toEqual(['en', 'zh']);
    expect(ninaAccount).toMatchObject({ maxChats: 2, invited: false, active: true });

    // Ada cannot lock herself out; Bob is deactivated after a confirmation and cannot sign in.
    await openAccount(page, ADA.email);
    expect(await page.$eval('[data-testid=account-deactivate]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await openAccount(page, DEMO.bob.email);
    await page.click('[data-testid=account-deactivate]');
    await page.waitForSelector('[data-testid=confirm-dialog][open]', T);
    expect(await text(page, '[data-testid=confirm-dialog] h2')).toBe('Deactivate Bob Chen?');
    await page.click('[data-testid=confirm-ok]');
    await page.waitForSelector('[data-testid=account-access][data-active=false] [data-testid=access-saved]', T);
    expect(code(await httpRequest(`${stack.serverUrl}/api/auth/login`, { body: DEMO.bob }))).toEqual([401, ErrorCode.InvalidCredentials]);

    // Settings: a bad VIP rule is marked and not sent; the wrap-up time is saved and in force.
    await page.click('[data-testid=nav-settings]');
    await page.waitForSelector('[data-testid=settings-state][data-state=clean]', T);
    await fill(page, '[data-testid=setting-vipRule]', 'gold:1');
    await page.waitForSelector('[data-testid=setting-vip-bad]', T);
    expect(await page.$eval('[data-testid=settings-save]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.click('[data-testid=settings-reset]');
    await fill(page, '[data-testid=setting-wrapUp]', '45');
    await page.waitForSelector('[data-testid=settings-state][data-state=unsaved]', T);
    await page.click('[data-testid=settings-save]');
    await page.waitForSelector('[data-testid=settings-state][data-state=saved]', T);
    expect(RoutingSettings.parse((await api('/admin/settings', ada.token)).json).wrapUpMs).toBe(45_000);

    // A canned response (its text with markup, to be shown as text); a taken shortcut is refused.
    await page.click('[data-testid=nav-canned]');
    await page.waitForSelector('[data-testid=canned-row][data-shortcut=hello]', T);
    await page.click('[data-testid=canned-add]');
    await page.type('[data-testid=canned-shortcut]', 'Refund-Time');
    await page.type('[data-testid=canned-title]', 'Refund timing');
    await page.type('[data-testid=canned-body]', 'Refunds reach your card within <b>5</b> working days.');
    await page.click('[data-testid=canned-save]');
    await page.waitForSelector('[data-testid=canned-row][data-shortcut=refund-time]', T);
    await page.click('[data-testid=canned-add]');
    await page.type('[data-testid=canned-shortcut]', 'hello');
    await page.type('[data-testid=canned-title]', 'Again');
    await page.type('[data-testid=canned-body]', 'Hi again.');
    await page.click('[data-testid=canned-save]');
    await page.waitForSelector('[data-testid=canned-error][data-reason=conflict]', T);
    expect(await text(page, '[data-testid=canned-error]')).toMatch(/already uses this shortcut/);
    await page.click('[data-testid=canned-cancel]');

    // Enough changes for a second page of the log (50 a page).
    for (let i = 0; i < 50; i++) {
      const made = await api('/canned', ada.token, { body: { shortcut: `bulk-${i}`, title: `Bulk ${i}`, body: 'x' } });
      expect(made.status).toBe(201);
    }

    // The audit log: newest first, who/what/target, before → after; older entries on request.
    await page.click('[data-testid=nav-audit]');
    await page.waitForSelector('[data-testid=audit-older]', T);
    expect(await page.$$eval('[data-testid=audit-entry]', (r) => r.length)).toBe(50);
    await page.click('[data-testid=audit-older]');
    await page.waitForSelector('[data-testid=audit-end]', T);
    const entries = await page.$$eval('[data-testid=audit-entry]', (rows) =>
      rows.map((r) => ({
        id: Number((r as HTMLElement).dataset.id),
        action: (r as HTMLElement).dataset.action,
        cells: [...r.querySelectorAll(':scope > td')].slice(1, 4).map((td) => td.textContent?.trim()),
        changes: [...r.querySelectorAll('[data-testid=audit-change]')].map((c) => [
          c.querySelector('dt')?.textContent?.trim() ?? '',
          c.querySelector('[data-testid=audit-before]')?.textContent?.trim(),
          c.querySelector('[data-testid=audit-after]')?.textContent?.trim(),
        ]),
      })),
    );
    const ids = entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const one = (action: string) => entries.find((e) => e.action === action)!;
    const nid = ninaAccount.id;
    expect(one('staff.invite')).toMatchObject({
      cells: ['Ada Park', 'Invited', `Nina Ito (#${nid})`],
      changes: [
        ['Email', '—', NINA.email],
        ['Name', '—', NINA.name],
        ['Role', '—', 'Agent'],
      ],
    });
    expect(one('staff.skills').cells).toEqual(['Ada Park', 'Changed skills', `Nina Ito (#${nid})`]);
    expect(one('staff.skills').changes).toEqual([
      ['Topic: Before buying', '3', '—'],
      ['Topic: Order or delivery', '3', '—'],
      ['Topic: Returns, repairs, warranty', '3', '—'],
      ['Topic: Technical help', '3', '5'],
    ]);
    expect(one('staff.capacity').changes).toEqual([['Chats at once', 'Site default', '2']]);
    expect(one('staff.update')).toMatchObject({ cells: ['Ada Park', 'Deactivated', expect.stringMatching(/^Bob Chen \(#\d+\)$/)], changes: [['Active', 'Active', 'Deactivated']] });
    expect(one('settings.routing')).toMatchObject({ cells: ['Ada Park', 'Changed routing settings', 'Routing settings'], changes: [['Wrap-up (ms)', '0', '45000']] });
    const canned = entries.find((e) => e.action === 'canned.create' && e.changes.some((c) => c[2] === 'refund-time'))!;
    expect(canned.changes).toEqual([
      ['Shortcut', '—', 'refund-time'],
      ['Title', '—', 'Refund timing'],
      ['Text', '—', 'Refunds reach your card within <b>5</b> working days.'],
    ]);
    expect(await page.$$eval('[data-testid=audit-page] b', (b) => b.length)).toBe(0);
    await page.close();
  });

  it('Sam (supervisor) has canned responses and the audit log, not staff or settings', async () => {
    const page = (await SupervisorPage.open(browser, stack.serverUrl, DEMO.sam.email, DEMO.sam.password)).page;
    expect(await tabs(page)).toEqual(['nav-live', 'nav-tickets', 'nav-kpis', 'nav-canned', 'nav-audit']);
    // A page for admins by its address: not allowed, and the server's own refusal (403) beside it (its words kept out of sight).
    for (const [hash, permission] of [['#/staff', 'manage staff'], ['#/settings', 'manage settings'], ['#/staff/1', 'manage staff']] as const) {
      await page.goto(`${stack.serverUrl}/dashboard/${hash}`);
      await page.waitForFunction(
        (p: string) => document.querySelector('[data-testid=not-allowed-server]')?.getAttribute('data-server-message')?.includes(`(${p})`),
        T,
        permission,
      );
      expect(await text(page, '[data-testid=not-allowed]')).toMatch(/Only admins can use this page\. You are signed in as: Supervisor\./);
      expect(await text(page, '[data-testid=not-allowed-server]')).toBe('The server refused it as well.');
    }
    await page.click('[data-testid=nav-canned]');
    await page.waitForSelector('[data-testid=canned-row][data-shortcut=refund-time]', T);
    await page.click('[data-testid=nav-audit]');
    await page.waitForSelector('[data-testid=audit-entry][data-action="canned.create"]', T);
    await page.click('[data-testid=audit-older]');
    await page.waitForSelector('[data-testid=audit-entry][data-action="staff.invite"]', T);
    // The server refuses the admin API to him as well.
    const sam = await login(stack.serverUrl, DEMO.sam);
    expect(code(await api('/admin/staff', sam.token))).toEqual([403, ErrorCode.Forbidden]);
    expect(code(await api('/admin/settings', sam.token))).toEqual([403, ErrorCode.Forbidden]);
    await page.close();
  });

  it('an agent cannot sign in to the dashboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.serverUrl}/dashboard/`);
    await page.type('[data-testid=login-email]', DEMO.alice.email);
    await page.type('[data-testid=login-password]', DEMO.alice.password);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=login-error]', T);
    expect(await text(page, '[data-testid=login-error]')).toMatch(/agent account.*Counterpart extension/);
    expect(await page.$('[data-testid=signout]')).toBeNull();
    await page.close();
  });

  it('a used or forged invite link says it does not work', async () => {
    const context = await browser.createBrowserContext();
    for (const url of [inviteUrl, `${stack.serverUrl}/dashboard/#/invite/not-a-real-token`]) {
      const page = await context.newPage();
      await page.goto(url);
      await page.type('[data-testid=invite-password]', 'another-password');
      await page.type('[data-testid=invite-repeat]', 'another-password');
      await page.click('[data-testid=invite-accept]');
      await page.waitForSelector('[data-testid=invite-page][data-state=invalid] [data-testid=invite-invalid]', T);
      await page.click('[data-testid=invite-to-sign-in]');
      await page.waitForSelector('[data-testid=login-email]', T);
      expect(page.url()).not.toContain('invite');
      await page.close();
    }
    await context.close();
  });

  it('a supervisor’s invite link signs them in to the dashboard, and the token leaves the address', async () => {
    const ada = await login(stack.serverUrl, ADA);
    const made = await api('/admin/staff', ada.token, { body: { email: 'omar@counterpart.test', name: 'Omar Haddad', role: Role.Supervisor } });
    expect(made.status, made.text).toBe(201);
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto((made.json as { inviteUrl: string }).inviteUrl);
    await page.type('[data-testid=invite-password]', 'omar-first-password');
    await page.type('[data-testid=invite-repeat]', 'omar-first-password');
    await page.click('[data-testid=invite-accept]');
    await page.waitForSelector('[data-testid=agent-row]', T);
    expect(await text(page, '[data-testid=header-role]')).toBe('Supervisor');
    expect(await tabs(page)).toEqual(['nav-live', 'nav-tickets', 'nav-kpis', 'nav-canned', 'nav-audit']);
    expect(page.url()).not.toContain('invite');
    await context.close();
  });
});
