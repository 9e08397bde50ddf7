import { CustomerHistory, Role } from '../../../protocol/index';
import type { Conversation } from '../conversations/model';
import { iso, type Db } from '../db/index';
import type { Logger } from '../log';
import type { ShopAdapter } from '../shop/adapter';

type Row = Record<string, unknown>;
/** Earlier conversations and orders shown, at most. */
const EARLIER = 10;
const ORDERS = 5;

/**
 * Customer 360 for a conversation: the shop's customer and latest orders (through the shop
 * adapter), and their earlier conversations here — by customer for a customer the shop vouched
 * for, by shopper session for a guest — with agents, ticket and rating.
 */
export async function customerHistory(db: Db, shop: ShopAdapter, log: Logger, c: Conversation): Promise<CustomerHistory> {
  const mine = c.customer ? { customer_id: c.customer.id } : { shopper_id: c.shopperId };
  const rows: Row[] = await db('conversations').where({ site_id: c.siteId, ...mine }).whereNot({ id: c.id }).orderBy('requested_at', 'desc').limit(EARLIER);
  const ids = rows.map((r) => String(r.id));
  const agents: Row[] = ids.length ? await db('participants').whereIn('conversation_id', ids).where({ role: Role.Agent }).orderBy('joined_at') : [];
  const ticketIds = rows.map((r) => r.ticket_id).filter((v): v is number => v !== null && v !== undefined);
  const tickets: Row[] = ticketIds.length ? await db('tickets').whereIn('id', ticketIds).select('id', 'status') : [];
  const ratings: Row[] = ids.length ? await db('ratings').whereIn('conversation_id', ids).select('conversation_id', 'score') : [];
  let orders: CustomerHistory['orders'] = [];
  let shopUnavailable = false;
  if (c.customer) {
    try {
      orders = await shop.getOrders(c.customer.id, ORDERS);
    } catch (err) {
      log.warn({ err, conversation: c.id }, 'customer orders unavailable');
      shopUnavailable = true;
    }
  }
  return CustomerHistory.parse({
    customer: c.customer,
    orders,
    shopUnavailable,
    conversations: rows.map((r) => {
      const ticket = tickets.find((t) => Number(t.id) === Number(r.ticket_id));
      return {
        id: String(r.id), channel: r.channel, state: r.state, issueType: r.issue_type, requestedAt: iso(r.requested_at), endedAt: iso(r.ended_at),
        agents: [...new Set(agents.filter((a) => a.conversation_id === r.id).map((a) => String(a.name)))],
        ticket: ticket ? { id: Number(ticket.id), status: String(ticket.status) } : null,
        rating: ratings.find((x) => x.conversation_id === r.id)?.score ?? null,
      };
    }),
  });
}
