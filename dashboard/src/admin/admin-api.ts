/**
 * The admin and canned-response REST API as the dashboard uses it: every request with the
 * session's current token; a refused token signs out (as the tickets API does). A failure is told
 * by its code (for the catalogue) with the server's own message beside it (English, shown as text).
 */
import { z } from 'zod';
import {
  AuditList,
  CannedList,
  CannedResponse,
  CounterpartError,
  ErrorCode,
  InviteResponse,
  RoutingSettings,
  ShopCategoryList,
  SiteHoursList,
  SiteHoursUpdate,
  StaffAccount,
  StaffList,
  apiRequest,
  type BusinessHours,
  type CannedInput,
  type InviteRequest,
  type Skill,
  type StaffUpdate,
} from '../../../protocol/index';
import type { Catalogue } from '../i18n/index';
import type { TicketAuth } from '../ticket-api';

/** Why an admin request failed: a key of the catalogue's `adminErrors`. */
export type AdminFailure = keyof Catalogue['adminErrors'];

/** A failed request: why (for the catalogue) and what the server said. */
export type AdminError = { reason: AdminFailure; message: string };

/** How many audit entries a page asks for. */
export const AUDIT_PAGE = 50;

export function adminErrorOf(err: unknown): AdminError {
  if (!(err instanceof CounterpartError)) return { reason: 'unexpected', message: '' };
  const message = err.status === undefined ? '' : err.message;
  switch (err.code) {
    case ErrorCode.BadRequest:
      return { reason: 'invalid', message };
    case ErrorCode.Conflict:
    case ErrorCode.InvalidTransition:
      return { reason: 'conflict', message };
    case ErrorCode.NotFound:
      return { reason: 'notFound', message };
    case ErrorCode.Forbidden:
      return { reason: 'forbidden', message };
    case ErrorCode.TooLarge:
      return { reason: 'tooMany', message };
    case ErrorCode.RateLimited:
      return { reason: 'rateLimited', message };
    case ErrorCode.Unauthorized:
      return { reason: 'expired', message };
    case ErrorCode.Internal:
      return { reason: err.status === undefined ? 'unreachable' : 'serverError', message: '' };
    default:
      return { reason: 'unexpected', message };
  }
}

export class AdminApi {
  constructor(private readonly auth: TicketAuth) {}

  private async call<T>(path: string, schema: z.ZodType<T>, init: { method?: string; body?: unknown } = {}): Promise<T> {
    try {
      return await apiRequest(location.origin, `/api${path}`, schema, { ...init, token: this.auth.token() });
    } catch (err) {
      if (err instanceof CounterpartError && err.code === ErrorCode.Unauthorized) this.auth.onExpired();
      throw err;
    }
  }

  staff(): Promise<StaffList> {
    return this.call('/admin/staff', StaffList);
  }

  /** The shop's product categories (category skills name their ids). */
  categories(): Promise<ShopCategoryList> {
    return this.call('/admin/categories', ShopCategoryList);
  }

  invite(body: InviteRequest): Promise<InviteResponse> {
    return this.call('/admin/staff', InviteResponse, { body });
  }

  /** A fresh one-time link for an invited account that has not set its password (409 otherwise). */
  reinvite(id: number): Promise<InviteResponse> {
    return this.call(`/admin/staff/${id}/invite`, InviteResponse, { method: 'POST' });
  }

  update(id: number, body: StaffUpdate): Promise<StaffAccount> {
    return this.call(`/admin/staff/${id}`, StaffAccount, { method: 'PATCH', body });
  }

  setSkills(id: number, skills: Skill[]): Promise<StaffAccount> {
    return this.call(`/admin/staff/${id}/skills`, StaffAccount, { method: 'PUT', body: { skills } });
  }

  setCapacity(id: number, maxChats: number | null): Promise<StaffAccount> {
    return this.call(`/admin/staff/${id}/capacity`, StaffAccount, { method: 'PUT', body: { maxChats } });
  }

  settings(): Promise<RoutingSettings> {
    return this.call('/admin/settings', RoutingSettings);
  }

  saveSettings(body: RoutingSettings): Promise<RoutingSettings> {
    return this.call('/admin/settings', RoutingSettings, { method: 'PUT', body });
  }

  hours(): Promise<SiteHoursList> {
    return this.call('/admin/hours', SiteHoursList);
  }

  /** A site's business hours; null: open always. */
  async saveHours(siteId: number, hours: BusinessHours | null): Promise<BusinessHours | null> {
    return (await this.call(`/admin/sites/${siteId}/hours`, SiteHoursUpdate, { method: 'PUT', body: { hours } })).hours;
  }

  /** The newest entries first; `before`: the oldest id already shown. */
  audit(before: number | null): Promise<AuditList> {
    const q = new URLSearchParams({ limit: String(AUDIT_PAGE), ...(before === null ? {} : { before: String(before) }) });
    return this.call(`/admin/audit?${q}`, AuditList);
  }

  canned(): Promise<CannedList> {
    return this.call('/canned', CannedList);
  }

  createCanned(body: CannedInput): Promise<CannedResponse> {
    return this.call('/canned', CannedResponse, { body });
  }

  updateCanned(id: number, body: CannedInput): Promise<CannedResponse> {
    return this.call(`/canned/${id}`, CannedResponse, { method: 'PUT', body });
  }

  async deleteCanned(id: number): Promise<void> {
    // 204: no body (apiRequest reads it as null).
    await this.call(`/canned/${id}`, z.null(), { method: 'DELETE' });
  }
}
