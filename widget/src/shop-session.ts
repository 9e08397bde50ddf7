import { CustomerVouch, ShopperSessionResponse, apiRequest } from '../../protocol/index';
import type { WidgetConfig } from './config';

/** A session this close to expiry is not handed out (a new one is made). */
const MIN_LEFT_MS = 60_000;

/** A fresh, single-use vouch from the shop for its signed-in customer; null for a guest or on failure. */
async function fetchVouch(url: string | null): Promise<CustomerVouch | null> {
  if (!url) return null;
  try {
    const res = await fetch(new URL(url, location.href), { credentials: 'same-origin', cache: 'no-store' });
    if (res.status !== 200) return null;
    const parsed = CustomerVouch.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The shopper's session for what they do next: made once when the panel opens (to ask whether the
 * shop is open, or to leave a message), then handed to the conversation they start — one session
 * per visit, not one per question. A session given away, failed or near its end is made anew.
 */
export class ShopperSessions {
  private pending: Promise<ShopperSessionResponse> | null = null;
  private expiresAt = 0;

  constructor(private readonly config: WidgetConfig) {}

  /** The current session (made if there is none). */
  peek(): Promise<ShopperSessionResponse> {
    if (this.pending && this.expiresAt && this.expiresAt - Date.now() < MIN_LEFT_MS) this.pending = null;
    return (this.pending ??= this.create());
  }

  /** The current session, handed over (to a conversation): the next `peek` makes a new one. */
  take(): Promise<ShopperSessionResponse> {
    const s = this.peek();
    this.pending = null;
    return s;
  }

  private create(): Promise<ShopperSessionResponse> {
    this.expiresAt = 0;
    const made = this.open();
    made.then(
      (s) => {
        if (this.pending === made) this.expiresAt = Date.parse(s.expiresAt);
      },
      // A failure is not kept: the next ask tries again.
      () => {
        if (this.pending === made) this.pending = null;
      },
    );
    return made;
  }

  private async open(): Promise<ShopperSessionResponse> {
    const { config } = this;
    const vouch = await fetchVouch(config.vouchUrl);
    return apiRequest(config.baseUrl, '/api/shopper/session', ShopperSessionResponse, {
      body: { siteKey: config.siteKey, ...(vouch ? { customer: vouch } : {}) },
    });
  }
}
