import { LoginResponse, apiRequest } from '../protocol/index';

/** Renew this long before expiry (at most); renewal is retried until the token runs out. */
const MARGIN = 0.2;
const RETRY_MS = 10_000;

/**
 * Keeps a staff session fresh: trades the token for a new one before it expires
 * (`POST /api/auth/refresh`). Calls `onExpired` if it cannot before the token runs out.
 * Stops when the signal aborts.
 */
export function keepSessionFresh(opts: {
  baseUrl: string;
  session: LoginResponse;
  onRenewed: (s: LoginResponse) => void;
  onExpired: () => void;
  signal: AbortSignal;
}): void {
  let current = opts.session;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!opts.signal.aborted) timer = setTimeout(renew, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
  };
  const renew = async () => {
    try {
      current = await apiRequest(opts.baseUrl, '/api/auth/refresh', LoginResponse, { token: current.token, body: {} });
      if (opts.signal.aborted) return;
      opts.onRenewed(current);
      schedule(untilRenewal(current));
    } catch {
      if (opts.signal.aborted) return;
      const left = Date.parse(current.expiresAt) - Date.now();
      if (left <= 0) opts.onExpired();
      else schedule(Math.min(RETRY_MS, left));
    }
  };
  opts.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  schedule(untilRenewal(current));
}

function untilRenewal(s: LoginResponse): number {
  const left = Date.parse(s.expiresAt) - Date.now();
  return left * (1 - MARGIN);
}
