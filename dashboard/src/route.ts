/**
 * The dashboard's pages, from the location's hash: `#/` (or none) the live wallboard,
 * `#/tickets` (`?status=open`) the ticket list, `#/tickets/12` one ticket. No router library.
 */
import { TicketStatus } from '../../protocol/index';

export type Route =
  | { page: 'live' }
  | { page: 'tickets'; status: TicketStatus | null }
  | { page: 'ticket'; id: number };

const STATUSES = new Set<string>(Object.values(TicketStatus));

export function parseRoute(hash: string): Route {
  const list = /^#\/tickets\/?(?:\?status=([a-z_]+))?$/.exec(hash);
  if (list) return { page: 'tickets', status: list[1] && STATUSES.has(list[1]) ? (list[1] as TicketStatus) : null };
  const one = /^#\/tickets\/([1-9][0-9]{0,9})$/.exec(hash);
  if (one) return { page: 'ticket', id: Number(one[1]) };
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
