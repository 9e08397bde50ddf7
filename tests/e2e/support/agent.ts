import type { Browser, ElementHandle, Page } from 'puppeteer-core';

const O = 'counterpart-overlay >>> ';

/**
 * The agent in the shop admin with the Counterpart extension: the admin tab with its overlay,
 * and the console window (an extension page) where the call lives.
 */
export class AgentSide {
  private constructor(
    readonly admin: Page,
    readonly console: Page,
  ) {}

  /** Opens the admin, then the console through the overlay's button, as an agent would. */
  static async open(browser: Browser, shopUrl: string): Promise<AgentSide> {
    const admin = await browser.newPage();
    await admin.goto(`${shopUrl}/admin/orders`);
    await (await admin.waitForSelector(`${O}[data-testid=overlay-open-console]`, { timeout: 15_000 }))!.click();
    const target = await browser.waitForTarget((t) => t.url().endsWith('/console.html'), { timeout: 15_000 });
    const console = (await target.page())!;
    await console.waitForSelector('[data-testid=console-email]');
    return new AgentSide(admin, console);
  }

  /** The wrap-up card's title (after a conversation). */
  async wrapUpTitle(): Promise<string> {
    const el = await this.console.waitForSelector('[data-testid=wrapup-title]', { timeout: 15_000 });
    return (await el!.evaluate((e) => e.textContent ?? '')).trim();
  }

  /** Ends wrap-up with Ready: offers resume. */
  async ready(): Promise<void> {
    await (await this.console.waitForSelector('[data-testid=wrapup-ready]', { timeout: 15_000 }))!.click();
    await this.console.waitForSelector('[data-testid=agent-state][data-state=available]', { timeout: 15_000 });
  }

  /** Opens the console again from the overlay (after it was closed): the stored session signs it in. */
  async reopenConsole(browser: Browser): Promise<AgentSide> {
    await (await this.waitOverlay('[data-testid=overlay-open-console]', 30_000)).click();
    const target = await browser.waitForTarget((t) => t.url().endsWith('/console.html'), { timeout: 15_000 });
    const console = (await target.page())!;
    await console.waitForSelector('[data-testid=console-online][data-online=true]', { timeout: 15_000 });
    return new AgentSide(this.admin, console);
  }

  async signIn(serverUrl: string, email: string, password: string): Promise<void> {
    const c = this.console;
    await c.$eval('[data-testid=console-server]', (el, v) => {
      const input = el as HTMLInputElement;
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, serverUrl);
    await c.type('[data-testid=console-email]', email);
    await c.type('[data-testid=console-password]', password);
    await c.click('[data-testid=console-signin]');
    await c.waitForSelector('[data-testid=console-online][data-online=true]');
  }

  async setPresence(p: 'available' | 'away'): Promise<void> {
    await this.console.click(`[data-testid=presence-${p}]`);
    await this.waitState(p);
  }

  /** Clicks a presence button without waiting for the state (available may turn into ringing at once). */
  async pressPresence(p: 'available' | 'away'): Promise<void> {
    await this.console.click(`[data-testid=presence-${p}]`);
  }

  async waitState(state: string): Promise<void> {
    await this.console.waitForSelector(`[data-testid=agent-state][data-state=${state}]`, { timeout: 30_000 });
  }

  /** Waits for ringing; returns what the ring card shows. */
  async waitRing(timeout = 30_000): Promise<{ customer: string; product: string | null; vip: string | null; need: string }> {
    await this.console.waitForSelector('[data-testid=ring-card]', { timeout });
    return this.console.evaluate(() => ({
      customer: document.querySelector('[data-testid=ring-customer]')?.textContent ?? '',
      product: document.querySelector('[data-testid=ring-product]')?.textContent ?? null,
      vip: document.querySelector('[data-testid=ring-vip]')?.textContent ?? null,
      need: document.querySelector('[data-testid=ring-need]')?.textContent ?? '',
    }));
  }

  async accept(): Promise<void> {
    await this.answer('ring-accept');
  }

  async decline(): Promise<void> {
    await this.answer('ring-decline');
  }

  /** Clicks a ring button and checks the click took: that ring's card goes (at once on accept; on the server's answer on decline). */
  private async answer(button: 'ring-accept' | 'ring-decline'): Promise<void> {
    const id = await this.console.$eval('[data-testid=ring-card]', (e) => (e as HTMLElement).dataset.conversationId ?? '');
    await this.console.click(`[data-testid=${button}]`);
    await this.console
      .waitForFunction((c: string) => !document.querySelector(`[data-testid=ring-card][data-conversation-id="${c}"]`), { timeout: 5_000, polling: 50 }, id)
      .catch(() => {
        throw new Error(`${button}: the click did not take, the ring card of ${id} still shows`);
      });
  }

  async waitInCall(): Promise<void> {
    await this.console.waitForSelector('[data-testid=call-panel][data-phase=in-call]', { timeout: 30_000 });
  }

  async remoteVideo(): Promise<ElementHandle<HTMLVideoElement>> {
    return (await this.console.waitForSelector('[data-testid=remote-video]')) as ElementHandle<HTMLVideoElement>;
  }

  async sendChat(text: string): Promise<void> {
    await this.console.waitForSelector('[data-testid=chat-form][data-ready=true]', { timeout: 15_000 });
    await this.console.type('[data-testid=chat-input]', text);
    await this.console.click('[data-testid=chat-send]');
  }

  async waitChat(text: string): Promise<void> {
    await this.console.waitForFunction(
      (t: string) => [...document.querySelectorAll('[data-testid=chat-log] .text')].some((e) => e.textContent === t),
      { timeout: 15_000 },
      text,
    );
  }

  async hangup(): Promise<void> {
    await this.console.click('[data-testid=call-hangup]');
  }

  /** Is a ring card showing right now? */
  async hasRing(): Promise<boolean> {
    return (await this.console.$('[data-testid=ring-card]')) !== null;
  }

  /** Waits until no ring card shows (timer polling: the console may be behind another window). */
  async waitNoRing(timeout = 30_000): Promise<void> {
    await this.console.waitForFunction(() => !document.querySelector('[data-testid=ring-card]'), { timeout, polling: 100 });
  }

  /** The console's notice line, or null when none shows. */
  async notice(): Promise<string | null> {
    return this.console.evaluate(() => document.querySelector('[data-testid=console-notice]')?.textContent ?? null);
  }

  /** Waits for a notice containing this text; returns the notice. */
  async waitNotice(text: string, timeout = 30_000): Promise<string> {
    const handle = await this.console.waitForFunction(
      (t: string) => {
        const n = document.querySelector('[data-testid=console-notice]')?.textContent ?? '';
        return n.includes(t) ? n : false;
      },
      { timeout, polling: 100 },
      text,
    );
    return (await handle.jsonValue()) as string;
  }

  /** The agent state the console shows (available, away, ringing, busy, offline). */
  async state(): Promise<string | null> {
    return this.console.evaluate(() => document.querySelector<HTMLElement>('[data-testid=agent-state]')?.dataset.state ?? null);
  }

  /** The chat texts the console shows, in order. */
  chatTexts(): Promise<string[]> {
    return this.console.evaluate(() => [...document.querySelectorAll('[data-testid=chat-log] [data-testid=chat-item]')].map((li) => li.querySelector('.text')?.textContent ?? ''));
  }

  /** Waits until the console shows (or stops showing) that the shopper or the media is reconnecting. */
  async waitReconnecting(on: boolean, timeout = 30_000): Promise<void> {
    await this.console.waitForFunction(
      (want: boolean) => (document.querySelector<HTMLElement>('[data-active=true] [data-testid=call-panel]')?.dataset.reconnecting === 'true') === want,
      { timeout, polling: 50 },
      on,
    );
  }

  /** Waits until the console holds no conversation (no conversation panel left; an ended one's ticket may stay). */
  async waitNoCall(timeout = 30_000): Promise<void> {
    await this.console.waitForFunction(() => !document.querySelector('[data-testid=call-panel]'), { timeout, polling: 100 });
  }

  // ---- the overlay on the admin page ----

  async overlayState(): Promise<string | null> {
    return this.admin.evaluate(
      () => document.querySelector('counterpart-overlay')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=overlay]')?.dataset.state ?? null,
    );
  }

  /**
   * The admin tab sits behind the console window, where requestAnimationFrame does not run:
   * poll on a timer instead of puppeteer's default frame-based polling.
   */
  async waitOverlay(selector: string, timeout = 15_000): Promise<ElementHandle<Element>> {
    const handle = await this.admin.waitForFunction(
      (sel: string) => document.querySelector('counterpart-overlay')?.shadowRoot?.querySelector(sel) ?? false,
      { timeout, polling: 100 },
      selector,
    );
    return handle as ElementHandle<Element>;
  }
}
