import type { Browser, Page } from 'puppeteer-core';

/** The supervisor on the dashboard. */
export class SupervisorPage {
  private constructor(readonly page: Page) {}

  static async open(browser: Browser, serverUrl: string, email: string, password: string): Promise<SupervisorPage> {
    const page = await browser.newPage();
    await page.goto(`${serverUrl}/dashboard/`);
    await page.type('[data-testid=login-email]', email);
    await page.type('[data-testid=login-password]', password);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=agent-row]', { timeout: 15_000 });
    return new SupervisorPage(page);
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
