import {
  CounterpartError,
  ErrorCode,
  MAX_TICKET_FILES,
  Paths,
  Role,
  TERMINAL_STATES,
  TicketEntryKind,
  TicketSource,
  TicketStatus,
  type ConversationState,
  type RatingRequest,
  type ShopperTicketView,
  type TicketLink,
  type TicketList,
  type TicketUpdate,
  type TicketView,
  type StaffRole,
} from '../../../protocol/index';
import { can, Permission } from '../auth/permissions';
import type { Principal, TokenService } from '../auth/tokens';
import type { ConversationStore } from '../conversations/store';
import type { ShopAdapter } from '../shop/adapter';
import type { Author, TicketRow, TicketStore } from './store';
import { shopperTicketView, staffTicketView, ticketList } from './views';

type Row = Record<string, unknown>;
export type Staff = Extract<Principal, { role: StaffRole }>;
export type Shopper = Extract<Principal, { role: Role.Shopper }>;
/** What a ticket link proves: this ticket, of this site. */
export type LinkClaim = { ticketId: number; siteId: number };

export type TicketDeskOptions = {
  linkTtlSeconds: number;
  /** Ends an agent's wrap-up now (their ticket is resolved). */
  endWrapUp: (agentId: number) => Promise<unknown>;
};

const notFound = () => new CounterpartError(ErrorCode.NotFound, 'No such ticket');
const authorOf = (p: Staff): Author => ({ role: p.role, id: String(p.userId), name: p.name });

/**
 * The ticket desk: who may read and change a ticket, and the rules of each change. Staff see
 * tickets they took part in (supervisors every one); a shopper sees one ticket through its signed
 * link, or their own conversation's through their session.
 */
export class TicketDesk {
  constructor(
    readonly store: TicketStore,
    private readonly conversations: ConversationStore,
    private readonly shop: ShopAdapter,
    private readonly tokens: TokenService,
    private readonly opts: TicketDeskOptions,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  // ---- staff ---------------------------------------------------------------------------------

  /** An agent may see a ticket they are assigned or took part in a conversation of; supervisors any. */
  private async mayRead(p: Staff, t: TicketRow): Promise<boolean> {
    if (can(p.role, Permission.AllTickets) || t.assigneeId === p.userId) return true;
    const hit = await this.store
      .db('participants')
      .join('conversations', 'conversations.id', 'participants.conversation_id')
      .where({ 'conversations.ticket_id': t.id, 'participants.role': Role.Agent, 'participants.party_id': String(p.userId) })
      .first('participants.id');
    return hit !== undefined;
  }

  private async readable(p: Staff, id: number): Promise<TicketRow> {
    const t = await this.store.get(id);
    // Unknown and not-yours look the same: ticket numbers do not leak by probing.
    if (!t || !(await this.mayRead(p, t))) throw notFound();
    return t;
  }

  async view(p: Staff, id: number): Promise<TicketView> {
    return staffTicketView(this.store, this.conversations, await this.readable(p, id));
  }

  /** The ticket of a conversation the agent took part in (opened on first use, once an agent has answered). */
  async forConversation(p: Staff, conversationId: string): Promise<TicketView> {
    const c = await this.conversations.db('conversations').where({ id: conversationId }).first<Row | undefined>();
    const tookPart =
      c && (can(p.role, Permission.AllTickets) || (await this.conversations.db('participants').where({ conversation_id: conversationId, role: Role.Agent, party_id: String(p.userId) }).first('id')));
    if (!c || !tookPart) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    if (c.answered_at === null) throw new CounterpartError(ErrorCode.InvalidTransition, 'A conversation has a ticket once an agent has answered it');
    const id = await this.store.ensureForConversation(conversationId, this.now());
    return this.view(p, id!);
  }

  async list(p: Staff, opts: { status?: TicketStatus; limit: number }): Promise<TicketList> {
    return ticketList(this.store, { ...opts, ...(can(p.role, Permission.AllTickets) ? {} : { assigneeId: p.userId }) });
  }

  /** An edit against the version read; a linked order must exist and be the customer's; resolving ends the agent's wrap-up. */
  async update(p: Staff, id: number, u: TicketUpdate): Promise<TicketView> {
    const t = await this.readable(p, id);
    if (u.orderId != null) await this.checkOrder(t, u.orderId);
    const ok = await this.store.update(id, u.version, { status: u.status, issueType: u.issueType, orderId: u.orderId, resolution: u.resolution }, authorOf(p), this.now());
    if (!ok) throw new CounterpartError(ErrorCode.Conflict, 'The ticket was changed by someone else: reload it and try again');
    if (u.status === TicketStatus.Resolved && p.role === Role.Agent) await this.opts.endWrapUp(p.userId);
    return this.view(p, id);
  }

  private async checkOrder(t: TicketRow, orderId: number): Promise<void> {
    const order = await this.shop.getOrder(orderId);
    if (!order) throw new CounterpartError(ErrorCode.BadRequest, `The shop has no order ${orderId}`);
    if (t.customerId !== null && order.customerId !== t.customerId)
      throw new CounterpartError(ErrorCode.BadRequest, `Order ${order.number} is not this customer's`);
  }

  async note(p: Staff, id: number, body: string): Promise<TicketView> {
    await this.readable(p, id);
    await this.store.addEntry(id, { kind: TicketEntryKind.Note, author: authorOf(p), body, fileId: null }, this.now());
    return this.view(p, id);
  }

  /** An agent answered the conversation: its ticket is opened (or joined) now. */
  async opened(conversationId: string): Promise<void> {
    await this.store.ensureForConversation(conversationId, this.now());
  }

  /** A shopper who asked to be called back left before an agent was free: the request becomes a ticket to follow up. */
  async callbackMissed(conversationId: string): Promise<void> {
    await this.store.ensureForConversation(conversationId, this.now(), TicketSource.Callback);
  }

  /** A transfer is on the ticket: who handed it on, with their note (staff only). */
  async transferred(conversationId: string, from: { id: number; name: string }, note: string): Promise<void> {
    const id = await this.store.ensureForConversation(conversationId, this.now());
    if (id !== null) await this.store.addEntry(id, { kind: TicketEntryKind.Transfer, author: { role: Role.Agent, id: String(from.id), name: from.name }, body: note, fileId: null }, this.now());
  }

  // ---- shoppers --------------------------------------------------------------------------------

  /** A stored conversation of this shopper (ended ones too): unknown and not-yours look the same. */
  private async shoppersConversation(p: Shopper, conversationId: string): Promise<Row> {
    const c = await this.conversations.db('conversations').where({ id: conversationId }).first<Row | undefined>();
    if (!c || String(c.shopper_id) !== p.shopperId || Number(c.site_id) !== p.siteId)
      throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    return c;
  }

  /** The signed, expiring link to the ticket of the shopper's conversation (once an agent has answered it). */
  async linkFor(p: Shopper, conversationId: string, origin: string): Promise<TicketLink> {
    const c = await this.shoppersConversation(p, conversationId);
    if (c.answered_at === null) throw new CounterpartError(ErrorCode.InvalidTransition, 'A conversation has a ticket once an agent has answered it');
    const ticketId = (await this.store.ensureForConversation(conversationId, this.now()))!;
    return this.linkForTicket(ticketId, p.siteId, origin);
  }

  /** The signed, expiring link to a ticket of the site (the caller has decided who may have it: e.g. who just opened it). */
  async linkForTicket(ticketId: number, siteId: number, origin: string): Promise<TicketLink> {
    const { token, expiresAt } = await this.tokens.issueTicketLink(ticketId, siteId, this.opts.linkTtlSeconds);
    // The token rides in the fragment: it never reaches a server log or a Referer header.
    return { ticketId, token, expiresAt, url: `${origin.replace(/\/+$/, '')}${Paths.ticketPage}#${token}` };
  }

  /** The rating of the shopper's own conversation, after it ended with an agent; once. */
  async rate(p: Shopper, conversationId: string, r: RatingRequest): Promise<void> {
    await this.rateConversation(await this.shoppersConversation(p, conversationId), r);
  }

  private async rateConversation(c: Row, r: RatingRequest): Promise<void> {
    if (c.answered_at === null || !TERMINAL_STATES.has(c.state as ConversationState))
      throw new CounterpartError(ErrorCode.InvalidTransition, 'A conversation can be rated once it has ended with an agent');
    const id = String(c.id);
    const ticketId = await this.store.ensureForConversation(id, this.now());
    const agent = await this.conversations.db('participants').where({ conversation_id: id, role: Role.Agent }).orderBy('joined_at', 'desc').first<Row | undefined>('party_id');
    const ok = await this.store.rate(id, ticketId, agent ? Number(agent.party_id) : null, { score: r.score, comment: r.comment || null }, this.now());
    if (!ok) throw new CounterpartError(ErrorCode.Conflict, 'This conversation has been rated already');
  }

  /** The ticket a link names; an expired, forged or other site's link opens nothing. */
  async claim(token: string): Promise<LinkClaim> {
    const claim = token.length <= 2048 ? await this.tokens.ticketLink(token) : null;
    const t = claim ? await this.store.get(claim.ticketId) : null;
    if (!claim || !t || t.siteId !== claim.siteId) throw new CounterpartError(ErrorCode.Unauthorized, 'This ticket link is not valid (it may have expired)');
    return claim;
  }

  async publicView(claim: LinkClaim): Promise<ShopperTicketView> {
    const t = await this.store.get(claim.ticketId);
    if (!t) throw notFound();
    return shopperTicketView(this.store, t);
  }

  async publicMessage(claim: LinkClaim, body: string): Promise<ShopperTicketView> {
    await this.store.addEntry(claim.ticketId, { kind: TicketEntryKind.Message, author: this.linkAuthor(claim), body, fileId: null }, this.now());
    return this.publicView(claim);
  }

  async publicRate(claim: LinkClaim, conversationId: string, r: RatingRequest): Promise<ShopperTicketView> {
    const c = await this.conversations.db('conversations').where({ id: conversationId, ticket_id: claim.ticketId }).first<Row | undefined>();
    if (!c) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation on this ticket');
    await this.rateConversation(c, r);
    return this.publicView(claim);
  }

  /** Room for one more file on the ticket, or a clear refusal. */
  async assertFileRoom(claim: LinkClaim): Promise<void> {
    if ((await this.store.fileCount(claim.ticketId)) >= MAX_TICKET_FILES) throw new CounterpartError(ErrorCode.TooLarge, 'This ticket has reached its file limit');
  }

  /** Records a stored upload on the ticket (the caller removes the bytes when this throws). */
  async publicFile(claim: LinkClaim, f: { id: string; name: string; type: string; size: number }): Promise<ShopperTicketView> {
    if (!(await this.store.addFile({ ...f, ticketId: claim.ticketId }, this.linkAuthor(claim), this.now()))) throw new CounterpartError(ErrorCode.NotFound, 'No such ticket');
    return this.publicView(claim);
  }

  /** A file of the ticket, for its link's holder or staff who may read the ticket. */
  async file(who: { link: LinkClaim } | { staff: Staff }, fileId: string): Promise<{ id: string; name: string; type: string }> {
    const f = /^[0-9a-f]{32}$/.test(fileId) ? await this.store.file(fileId) : null;
    const allowed = f && ('link' in who ? who.link.ticketId === f.ticketId : await this.readable(who.staff, f.ticketId).then(() => true, () => false));
    if (!f || !allowed) throw new CounterpartError(ErrorCode.NotFound, 'No such file');
    return f;
  }

  private linkAuthor(claim: LinkClaim): Author {
    return { role: Role.Shopper, id: `ticket:${claim.ticketId}`, name: '' };
  }
}
