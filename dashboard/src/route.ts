/**
 * The dashboard's pages, from the location's hash: `#/` (or none) the live wallboard,
 * `#/tickets` (`?status=open`) the ticket list, `#/tickets/12` one ticket, `#/kpis` (`?days=1|7|30`)
 * the performance figures, `#/canned`, `#/audit`, `#/staff`, `#/staff/7` one account, `#/settings`
 * (routing), `#/settings/hours` (business hours), and `#/invite/<token>` (an invite link: no sign-in needed). No router library.
 */
import { TicketStatus } from '../../protocol/index';

export type Route =
  | { page: 'live' }
  | { page: 'tickets'; status: TicketStatus | null }
  | { page: 'ticket'; id: number }
  | { page: 'kpis'; days: KpiDays }
  | { page: 'canned' }
  | { page: 'audit' }
  | { page: 'staff' }
  | { page: 'account'; id: number }
  | { page: 'settings' }
  | { page: 'hours' }
  | { page: 'invite'; token: string };

export type Page = Route['page'];

/** The periods the Performance page offers, in days (the server takes 1–90). */
export const KPI_PERIODS = [1, 7, 30] as const;
export type KpiDays = (typeof KPI_PERIODS)[number];

const STATUSES = new Set<string>(Object.values(TicketStatus));
const ID = '([1-9][0-9]{0,9})';

export function parseRoute(hash: string): Route {
  const list = /^#\/tickets\/?(?:\?status=([a-z_]+))?$/.exec(hash);
  if (list) return { page: 'tickets', status: list[1] && STATUSES.has(list[1]) ? (list[1] as TicketStatus) : null };
  const kpis = /^#\/kpis\/?(?:\?days=([0-9]{1,2}))?$/.exec(hash);
  if (kpis) return { page: 'kpis', days: (KPI_PERIODS as readonly number[]).includes(Number(kpis[1])) ? (Number(kpis[1]) as KpiDays) : 7 };
  const one = new RegExp(`^#/tickets/${ID}$`).exec(hash);
  if (one) return { page: 'ticket', id: Number(one[1]) };
  const account = new RegExp(`^#/staff/${ID}$`).exec(hash);
  if (account) return { page: 'account', id: Number(account[1]) };
  // Tokens are URL-safe (JWT); anything else is still passed on, and the server judges it.
  const invite = /^#\/invite\/([^/?#]{1,2048})$/.exec(hash);
  if (invite) return { page: 'invite', token: decodeURIComponent(invite[1]!) };
  if (/^#\/settings\/hours\/?$/.test(hash)) return { page: 'hours' };
  const simple = /^#\/(canned|audit|staff|settings)\/?$/.exec(hash);
  if (simple) return { page: simple[1] as 'canned' | 'audit' | 'staff' | 'settings' };
  return { page: 'live' };
}

export function routeHref(r: Route): string {
  switch (r.page) {
    case 'live':
      return '#/';
    case 'tickets':
      return r.status ? `#/tickets?status=${r.status}` : '#/tickets';
    case 'ticket':
      return `#/tickets/${r.id}`;
    case 'kpis':
      return r.days === 7 ? '#/kpis' : `#/kpis?days=${r.days}`;
    case 'account':
      return `#/staff/${r.id}`;
    case 'invite':
      return `#/invite/${encodeURIComponent(r.token)}`;
    case 'hours':
      return '#/settings/hours';
    default:
      return `#/${r.page}`;
  }
}

/** The route now, kept up to date with the hash (back and forward included). */
export function watchRoute(onChange: (r: Route) => void): () => void {
  const changed = () => onChange(parseRoute(location.hash));
  window.addEventListener('hashchange', changed);
  return () => window.removeEventListener('hashchange', changed);
}

export function go(r: Route): void {
  location.hash = routeHref(r);
}

/** Leaves the current page for another without a history entry (an invite link's token is not kept). */
export function replaceRoute(r: Route): void {
  history.replaceState(history.state, '', `${location.pathname}${location.search}${routeHref(r)}`);
}
