/**
 * Which dashboard pages a role may use: the server's permission table (docs/security.md, "Roles:
 * who may do what") as the dashboard shows it. The server checks every request anyway; this only
 * decides what the header offers and when a page says "not allowed" before asking.
 */
import { Role } from '../../protocol/index';
import type { Page } from './route';

/** The roles that may sign in to the dashboard at all. */
export const DASHBOARD_ROLES: readonly Role[] = [Role.Supervisor, Role.Admin];

const WATCHERS: readonly Role[] = [Role.Supervisor, Role.Admin];
const ADMINS: readonly Role[] = [Role.Admin];

const WHO: Readonly<Record<Page, readonly Role[]>> = {
  live: WATCHERS,
  tickets: WATCHERS,
  ticket: WATCHERS,
  kpis: WATCHERS,
  canned: WATCHERS,
  audit: WATCHERS,
  staff: ADMINS,
  account: ADMINS,
  settings: ADMINS,
  hours: ADMINS,
  // The invite page needs no account.
  invite: [Role.Agent, Role.Supervisor, Role.Admin, Role.Shopper],
};

export function mayUse(role: Role, page: Page): boolean {
  return WHO[page].includes(role);
}

/** Only admins may use this page. */
export const adminOnly = (page: Page): boolean => WHO[page] === ADMINS;

/** The header's tabs, in order; each stands for the pages under it. */
export const TABS = ['live', 'tickets', 'kpis', 'canned', 'audit', 'staff', 'settings'] as const;
export type Tab = (typeof TABS)[number];

export function tabOf(page: Page): Tab | null {
  switch (page) {
    case 'ticket':
      return 'tickets';
    case 'account':
      return 'staff';
    case 'hours':
      return 'settings';
    case 'invite':
      return null;
    default:
      return page;
  }
}
