import { CounterpartError, ErrorCode, LoginResponse, apiRequest } from '../protocol/index';

/** Renew this long before expiry (at most); renewal is retried until the token runs out. */
const MARGIN = 0.2;
const RETRY_MS = 10_000;

/**
 * Keeps a staff session fresh: trades the refresh token for a new pair before the access token
 * expires (`POST /api/auth/refresh`; the refresh token rotates, so only the newest one is kept).
 * Calls `onExpired` when the server ends the session or the token runs out unrenewed.
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
      current = await apiRequest(opts.baseUrl, '/api/auth/refresh', LoginResponse, { body: { refreshToken: current.refreshToken } });
      if (opts.signal.aborted) return;
      opts.onRenewed(current);
      schedule(untilRenewal(current));
    } catch (err) {
      if (opts.signal.aborted) return;
      const left = Date.parse(current.expiresAt) - Date.now();
      if (left <= 0 || (err instanceof CounterpartError && err.code === ErrorCode.Unauthorized)) opts.onExpired();
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

/** Ends a staff session on the server (its tokens and sockets stop working); never throws. */
export async function signOutSession(baseUrl: string, token: string): Promise<void> {
  await fetch(new URL('/api/auth/logout', baseUrl), { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => {});
}
