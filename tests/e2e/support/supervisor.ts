import type { Browser, Page } from 'puppeteer-core';

/** The supervisor on the dashboard. */
export class SupervisorPage {
  private constructor(readonly page: Page) {}

  /** Conversations whose row has shown "reconnecting" at some point since the page opened. */
  private readonly reconnected = new Set<string>();

  /** Whether this conversation's row has shown someone reconnecting (watched from the page's start). */
  sawReconnecting(id: string): boolean {
    return this.reconnected.has(id);
  }

  static async open(browser: Browser, serverUrl: string, email: string, password: string): Promise<SupervisorPage> {
    const page = await browser.newPage();
    await page.goto(`${serverUrl}/dashboard/`);
    await page.type('[data-testid=login-email]', email);
    await page.type('[data-testid=login-password]', password);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=agent-row]', { timeout: 15_000 });
    const sup = new SupervisorPage(page);
    // A blackout is short: record every row that shows "reconnecting", whenever it does.
    await page.exposeFunction('__cpReconnecting', (id: string) => void sup.reconnected.add(id));
    await page.evaluate(() => {
      const seen = () =>
        document.querySelectorAll<HTMLElement>('[data-testid=conversation-row][data-reconnecting=true]').forEach((r) => {
          (window as unknown as { __cpReconnecting(id: string): void }).__cpReconnecting(r.dataset.conversationId ?? '');
        });
      new MutationObserver(seen).observe(document.body, { subtree: true, attributes: true, childList: true, attributeFilter: ['data-reconnecting'] });
    });
    return sup;
  }

  async waitAgentState(email: string, state: string, timeout = 30_000): Promise<void> {
    await this.page.waitForSelector(`[data-testid=agent-row][data-agent-email="${email}"][data-state=${state}]`, { timeout });
  }

  /** Waits for a conversation row with at least this many QoS samples; returns its id. */
  async waitCallWithQos(minSamples: number, timeout = 30_000): Promise<string> {
    const handle = await this.page.waitForFunction(
      (n: number) => {
        const row = [...document.querySelectorAll<HTMLElement>('[data-testid=conversation-row]')].find((r) => Number(r.dataset.qosSamples) >= n);
        return row?.dataset.conversationId ?? false;
      },
      { timeout },
      minSamples,
    );
    return (await handle.jsonValue()) as string;
  }

  async waitNoCall(callId: string, timeout = 15_000): Promise<void> {
    await this.page.waitForFunction((id: string) => !document.querySelector(`[data-testid=conversation-row][data-conversation-id="${id}"]`), { timeout }, callId);
  }

  /** Waits until the conversation's row shows (or stops showing) someone reconnecting. */
  async waitReconnecting(id: string, on: boolean, timeout = 30_000): Promise<void> {
    await this.page.waitForFunction(
      (cid: string, want: boolean) =>
        (document.querySelector<HTMLElement>(`[data-testid=conversation-row][data-conversation-id="${cid}"]`)?.dataset.reconnecting === 'true') === want,
      { timeout, polling: 50 },
      id,
      on,
    );
  }

  async chartPoints(): Promise<number> {
    return this.page.$eval('[data-testid=qos-chart]', (el) => Number((el as HTMLElement).dataset.points));
  }
}
