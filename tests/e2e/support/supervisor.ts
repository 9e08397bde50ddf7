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

  /** Waits for a call row (any call when no id) with at least this many QoS samples. */
  async waitCallWithQos(minSamples: number, timeout = 30_000): Promise<string> {
    const handle = await this.page.waitForFunction(
      (n: number) => {
        const row = [...document.querySelectorAll<HTMLElement>('[data-testid=call-row]')].find((r) => Number(r.dataset.qosSamples) >= n);
        return row?.dataset.callId ?? false;
      },
      { timeout },
      minSamples,
    );
    return (await handle.jsonValue()) as string;
  }

  async waitNoCall(callId: string, timeout = 15_000): Promise<void> {
    await this.page.waitForFunction((id: string) => !document.querySelector(`[data-testid=call-row][data-call-id="${id}"]`), { timeout }, callId);
  }

  async chartPoints(): Promise<number> {
    return this.page.$eval('[data-testid=qos-chart]', (el) => Number((el as HTMLElement).dataset.points));
  }
}
