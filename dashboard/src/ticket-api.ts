/**
 * The tickets REST API (and the KPI report built on tickets and conversations) as the dashboard uses it: every request with the session's current token;
 * a refused token signs the supervisor out (as the live channel does); failures are told by code.
 */
import { CounterpartError, ErrorCode, KpiReport, TicketList, TicketStatus, TicketView, apiRequest, type TicketUpdate } from '../../protocol/index';
import { apiBlob } from '../../client/http';
import type { Catalogue } from './i18n/index';

/** Why a ticket request failed: a key of the catalogue's `ticketErrors`. */
export type TicketFailure = keyof Catalogue['ticketErrors'];

export type TicketAuth = {
  /** The session's token now (it is renewed while the page is open). */
  token: () => string;
  /** The server refused the token: sign out. */
  onExpired: () => void;
};

/** How many tickets the list asks for (the server's maximum is 200). */
export const LIST_LIMIT = 100;

export function failureOf(err: unknown): TicketFailure {
  if (!(err instanceof CounterpartError)) return 'unexpected';
  switch (err.code) {
    case ErrorCode.NotFound:
      return 'notFound';
    case ErrorCode.Conflict:
      return 'conflict';
    case ErrorCode.BadRequest:
      return 'invalid';
    case ErrorCode.Forbidden:
      return 'forbidden';
    case ErrorCode.RateLimited:
      return 'rateLimited';
    case ErrorCode.Unauthorized:
      return 'expired';
    case ErrorCode.Internal:
      return err.status === undefined ? 'unreachable' : 'serverError';
    default:
      return 'unexpected';
  }
}

export class TicketApi {
  constructor(private readonly auth: TicketAuth) {}

  private async call<T>(run: (token: string) => Promise<T>): Promise<T> {
    try {
      return await run(this.auth.token());
    } catch (err) {
      if (err instanceof CounterpartError && err.code === ErrorCode.Unauthorized) this.auth.onExpired();
      throw err;
    }
  }

  list(status: TicketStatus | null): Promise<TicketList> {
    const q = new URLSearchParams({ limit: String(LIST_LIMIT), ...(status ? { status } : {}) });
    return this.call((token) => apiRequest(location.origin, `/api/tickets?${q}`, TicketList, { token }));
  }

  get(id: number): Promise<TicketView> {
    return this.call((token) => apiRequest(location.origin, `/api/tickets/${id}`, TicketView, { token }));
  }

  update(id: number, update: TicketUpdate): Promise<TicketView> {
    return this.call((token) => apiRequest(location.origin, `/api/tickets/${id}`, TicketView, { token, method: 'PATCH', body: update }));
  }

  note(id: number, body: string): Promise<TicketView> {
    return this.call((token) => apiRequest(location.origin, `/api/tickets/${id}/notes`, TicketView, { token, body: { body } }));
  }

  /** The contact-centre KPIs of the last `days` days (supervisors and admins). */
  kpis(days: number): Promise<KpiReport> {
    return this.call((token) => apiRequest(location.origin, `/api/stats/kpis?days=${days}`, KpiReport, { token }));
  }

  /** A file of a ticket (`/api/ticket-files/…`) or of a conversation (`/api/files/…`), read with the bearer. */
  file(path: string): Promise<Blob> {
    return this.call((token) => apiBlob(location.origin, path, token));
  }
}
