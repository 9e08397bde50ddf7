/**
 * The dashboard's Performance page in Chromium, on data made through the real server and widget:
 * a shopper chats with Alice in the widget, Alice ends it, the shopper rates it 5 on the ended
 * screen. Sam, who opened Performance from the header before and saw that there was nothing yet,
 * refreshes it and sees one answered conversation, CSAT 5.0 over one rating, the 5-star bar and
 * Alice's row; the period picker changes the address and reloads.
 * An agent's token gets no figures (the page is not in an agent's header; the API refuses them).
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, KpiReport } from '../../protocol/index';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { DEMO, bearer, httpRequest, login } from '../helpers/server';
import type { RealtimeClient } from '../helpers/sockets';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';

const W = 'counterpart-widget >>> ';

describe('the dashboard’s Performance page', () => {
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

  it('says when there is nothing yet, then shows the answered conversation, its 5-star rating and the agent’s row', async () => {
    // Before any conversation: the page says so instead of showing empty tiles.
    const supervisor = await SupervisorPage.open(browser, stack.serverUrl, DEMO.sam.email, DEMO.sam.password);
    const page = supervisor.page;
    await page.click('[data-testid=nav-kpis]');
    const empty = await page.waitForSelector('[data-testid=kpis-page][data-days="7"] [data-testid=kpis-empty]', { timeout: 15_000 });
    expect(await empty!.evaluate((e) => e.textContent?.trim())).toBe('No conversations in this period.');
    expect(page.url()).toMatch(/#\/kpis$/);
    expect(await page.$eval('[data-testid=nav-kpis]', (a) => [a.textContent?.trim(), a.getAttribute('aria-current')])).toEqual(['Performance', 'page']);

    const alice = await agentConsole({ url: stack.serverUrl }, DEMO.alice, undefined, (rt) => void sockets.push(rt));
    const shopper = await ShopperPage.open(browser, stack.shopUrl);
    await shopper.start('chat');
    const { conversationId } = await acceptOffer(alice);
    await shopper.waitState('chatting');
    await shopper.sendChat('Does this board come in blue?');
    await alice.rt.next('chat.message', { where: (m) => m.message.text === 'Does this board come in blue?' });
    alice.rt.send({ type: 'conversation.end', conversationId });
    await shopper.waitState('ended');
    await (await shopper.page.waitForSelector(`${W}[data-testid=cp-rating-star-5]`, { visible: true }))!.click();
    await shopper.click('cp-rating-send');
    await shopper.page.waitForSelector(`${W}[data-testid=cp-rating-thanks]`, { visible: true, timeout: 15_000 });

    // The API, as the page will read it.
    const sam = await login(stack.serverUrl, DEMO.sam);
    const res = await httpRequest(`${stack.serverUrl}/api/stats/kpis?days=7`, { headers: bearer(sam.token) });
    expect(KpiReport.parse(res.json).overall).toMatchObject({ conversations: 1, abandoned: 0, csat: 5, ratings: 1, distribution: [0, 0, 0, 0, 1] });
    const refused = await httpRequest(`${stack.serverUrl}/api/stats/kpis`, { headers: bearer(alice.token) });
    expect([refused.status, (refused.json as { error: { code: string } }).error.code]).toEqual([403, ErrorCode.Forbidden]);

    // Refresh: the figures of now (the tab in front again, as the supervisor would have it).
    await page.bringToFront();
    await page.click('[data-testid=kpis-refresh]');
    await page.waitForSelector('[data-testid=kpis-page][data-days="7"] [data-testid=kpi-csat]', { timeout: 15_000 });

    const text = (sel: string) => page.$eval(sel, (e) => e.textContent?.replace(/\s+/g, ' ').trim() ?? '');
    expect(await text('[data-testid=kpi-answered]')).toBe('1');
    expect(await text('[data-testid=kpi-abandoned]')).toBe('0');
    expect(await text('[data-testid=kpi-csat]')).toContain('★ 5.0');
    expect(await text('[data-testid=kpi-csat]')).toContain('1 rating, out of 5');
    // Nobody resolved the ticket: no first-contact figure yet, and no verdict on the goal.
    expect(await text('[data-testid=kpi-fcr]')).toContain('No data yet');
    expect(await page.$eval('[data-testid=kpi-fcr]', (e) => (e as HTMLElement).dataset.met)).toBe('');
    expect(await text('[data-testid=kpi-aht]')).toContain('Goal: at most 3m');
    expect(await page.$eval('[data-testid=kpi-aht]', (e) => (e as HTMLElement).dataset.met)).toBe('true');
    expect(await page.$eval('[data-testid=kpi-distribution]', (e) => (e as HTMLElement).dataset.values)).toBe('0,0,0,0,1');
    expect(await page.$eval('[data-testid=kpi-distribution] canvas', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(0);

    const rows = await page.$$eval('[data-testid=kpis-agent-row]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    expect(rows).toHaveLength(1);
    // agent, conversations, AHT, FCR, CSAT, ratings
    expect(rows[0]).toEqual(['Alice Martin', '1', expect.stringMatching(/^\d+:\d\d$/), '—', '★ 5.0', '1']);

    // Another period: the address follows, the page reloads with the same figures (it all happened today).
    await page.click('[data-testid=kpis-period][data-days="1"]');
    await page.waitForSelector('[data-testid=kpis-page][data-days="1"] [data-testid=kpi-csat]', { timeout: 15_000 });
    expect(page.url()).toMatch(/#\/kpis\?days=1$/);
    expect(await page.$eval('[data-testid=kpis-period][data-days="1"]', (a) => a.getAttribute('aria-current'))).toBe('true');
    expect(await text('[data-testid=kpi-answered]')).toBe('1');
  });
});
