import type { Browser, BrowserContext, ElementHandle, Page } from 'puppeteer-core';
import type { WidgetState } from '../../../widget/src/view';

const W = 'counterpart-widget >>> ';

/** The shopper on the demo shop's storefront, driving the widget like a person would. */
export class ShopperPage {
  private constructor(readonly page: Page) {}

  /** `lang`: the shop page's language (`<html lang>`), as a shop in that language would set it. */
  static async open(browser: Browser | BrowserContext, shopUrl: string, opts: { customerId?: number; product?: string; lang?: string } = {}): Promise<ShopperPage> {
    const page = await browser.newPage();
    if (opts.customerId) await page.goto(`${shopUrl}/account/login?customer=${opts.customerId}`);
    await page.goto(`${shopUrl}/products/${opts.product ?? 'oak-serving-board'}${opts.lang ? `?lang=${opts.lang}` : ''}`);
    await page.waitForSelector(`${W}[data-testid=cp-launcher]`);
    return new ShopperPage(page);
  }

  async startVideoCall(): Promise<void> {
    await this.start('video');
  }

  /** Opens the widget and starts a conversation on a channel. */
  async start(channel: 'chat' | 'voice' | 'video'): Promise<void> {
    await (await this.page.waitForSelector(`${W}[data-testid=cp-launcher]`))!.click();
    await (await this.page.waitForSelector(`${W}[data-testid=cp-start-${channel}]`, { visible: true }))!.click();
  }

  /** Clicks a button of the widget by its test id (visible only). */
  async click(testId: string): Promise<void> {
    await (await this.page.waitForSelector(`${W}[data-testid=${testId}]`, { visible: true, timeout: 30_000 }))!.click();
  }

  /** Whether the widget shows "reconnecting" (our connection, the media or the agent's). */
  async waitReconnecting(on: boolean, timeout = 30_000): Promise<void> {
    await this.page.waitForFunction(
      (want: boolean) => (document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=cp-panel]')?.dataset.reconnecting === 'true') === want,
      { timeout, polling: 50 },
      on,
    );
  }

  /** The chat texts shown, in order (own pending ones included). */
  chatTexts(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...(document.querySelector('counterpart-widget')?.shadowRoot?.querySelectorAll('[data-testid=cp-chat-item]') ?? [])].map(
        (li) => li.querySelector('[data-testid=cp-chat-text]')?.textContent ?? li.querySelector('[data-testid=cp-chat-file]')?.textContent ?? '',
      ),
    );
  }

  state(): Promise<string | null> {
    return this.page.evaluate(
      () => document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=cp-panel]')?.dataset.state ?? null,
    );
  }

  async waitState(...states: WidgetState[]): Promise<void> {
    await this.page.waitForFunction(
      (wanted: string[]) => {
        const s = document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=cp-panel]')?.dataset.state;
        return s !== undefined && wanted.includes(s);
      },
      { timeout: 30_000 },
      states,
    );
  }

  /**
   * Waits until the widget has left its own transitional states (idle, starting, and the
   * 'queued' "Connecting you to the shop…" shown before the server answers); returns what it shows.
   */
  async waitSettled(): Promise<{ state: string; text: string }> {
    const handle = await this.page.waitForFunction(
      () => {
        const root = document.querySelector('counterpart-widget')?.shadowRoot;
        const state = root?.querySelector<HTMLElement>('[data-testid=cp-panel]')?.dataset.state;
        const text = root?.querySelector('[data-testid=cp-status]')?.textContent ?? '';
        if (!state || state === 'idle' || state === 'starting' || (state === 'queued' && text.startsWith('Connecting you'))) return false;
        return { state, text };
      },
      { timeout: 30_000 },
    );
    return (await handle.jsonValue()) as { state: string; text: string };
  }

  async statusText(): Promise<string> {
    const el = await this.page.waitForSelector(`${W}[data-testid=cp-status]`);
    return el!.evaluate((e) => e.textContent ?? '');
  }

  async remoteVideo(): Promise<ElementHandle<HTMLVideoElement>> {
    return (await this.page.waitForSelector(`${W}[data-testid=cp-remote-video]`)) as ElementHandle<HTMLVideoElement>;
  }

  /** The shopper's own camera: the preview while waiting, their side of the call after. */
  async localVideo(): Promise<ElementHandle<HTMLVideoElement>> {
    return (await this.page.waitForSelector(`${W}[data-testid=cp-local-video]`)) as ElementHandle<HTMLVideoElement>;
  }

  async sendChat(text: string): Promise<void> {
    const input = await this.page.waitForSelector(`${W}[data-testid=cp-chat-input]`, { visible: true });
    await input!.type(text);
    await (await this.page.waitForSelector(`${W}[data-testid=cp-chat-send]`))!.click();
  }

  async waitChat(text: string): Promise<void> {
    await this.page.waitForFunction(
      (t: string) =>
        [...(document.querySelector('counterpart-widget')?.shadowRoot?.querySelectorAll('[data-testid=cp-chat-text]') ?? [])].some((e) => e.textContent === t),
      { timeout: 15_000 },
      text,
    );
  }

  async hangup(): Promise<void> {
    await (await this.page.waitForSelector(`${W}[data-testid=cp-hangup]`, { visible: true }))!.click();
  }
}
