import {
  CounterpartError,
  ErrorCode,
  MAX_TICKET_ENTRIES,
  MAX_TICKET_FILES,
  Role,
  TicketEntryKind,
  TicketSource,
  TicketStatus,
  type IssueType,
  type Rating,
  type TicketEntry,
  type TicketFile,
} from '../../../protocol/index';
import type { Knex } from 'knex';
import { LostRace } from '../conversations/agent-load';
import { iso, type Db } from '../db/index';

type Row = Record<string, unknown>;
type Q = Db | Knex.Transaction;

/** A ticket's own row, as the domain reads it. */
export type TicketRow = {
  id: number;
  siteId: number;
  status: TicketStatus;
  issueType: IssueType;
  source: TicketSource;
  customerId: number | null;
  customerName: string | null;
  customerEmail: string | null;
  shopperId: string | null;
  orderId: number | null;
  resolution: string | null;
  assigneeId: number | null;
  version: number;
  entries: number;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
};

export type Author = { role: Role; id: string; name: string } | null;
export type TicketPatch = { status?: TicketStatus; issueType?: IssueType; orderId?: number | null; resolution?: string | null };
export type NewTicket = Pick<TicketRow, 'siteId' | 'issueType' | 'source' | 'customerId' | 'customerName' | 'customerEmail' | 'shopperId'>;

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The customer's e-mail from a conversation's stored shop context (null for a guest, or if unreadable). */
function emailOf(context: unknown): string | null {
  try {
    const email = (JSON.parse(String(context)) as { customer?: { email?: unknown } | null }).customer?.email;
    return typeof email === 'string' && email ? email.slice(0, 254) : null;
  } catch {
    return null;
  }
}

function ticketFromRow(r: Row): TicketRow {
  return {
    id: Number(r.id), siteId: Number(r.site_id), status: r.status as TicketStatus, issueType: r.issue_type as IssueType, source: r.source as TicketSource,
    customerId: numOrNull(r.customer_id), customerName: strOrNull(r.customer_name), customerEmail: strOrNull(r.customer_email),
    shopperId: strOrNull(r.shopper_id), orderId: numOrNull(r.order_id), resolution: strOrNull(r.resolution), assigneeId: numOrNull(r.assignee_id),
    version: Number(r.version), entries: Number(r.entries), createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!, resolvedAt: iso(r.resolved_at),
  };
}

export function entryFromRow(r: Row, file: Row | undefined): TicketEntry {
  return {
    id: Number(r.id),
    kind: r.kind as TicketEntryKind,
    author: r.author_role ? { role: r.author_role as Role, name: String(r.author_name ?? '') } : null,
    body: String(r.body),
    file: file ? { id: String(file.id), name: String(file.name), type: file.type as TicketFile['type'], size: Number(file.size) } : null,
    at: iso(r.created_at)!,
  };
}

export function ratingFromRow(r: Row): Rating {
  return { score: Number(r.score), comment: strOrNull(r.comment), at: iso(r.created_at)! };
}

/**
 * Every read and write of tickets. Edits are compare-and-set on `version`; a ticket joins a
 * conversation with a compare-and-set on `conversations.ticket_id`, so two nodes never open two.
 */
export class TicketStore {
  constructor(readonly db: Db) {}

  async get(id: number, q: Q = this.db): Promise<TicketRow | null> {
    const r = await q('tickets').where({ id }).first<Row | undefined>();
    return r ? ticketFromRow(r) : null;
  }

  /**
   * The conversation's ticket: the one it has, else the customer's (or, for a guest, the shopper
   * session's) unresolved ticket about the same issue type (a follow-up), else a new one. Null
   * when the conversation does not exist.
   */
  async ensureForConversation(conversationId: string, at: string, source = TicketSource.Conversation): Promise<number | null> {
    try {
      return await this.openFor(conversationId, at, source);
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      // Another request (or node) gave it its ticket first: that one it is.
      const c = await this.db('conversations').where({ id: conversationId }).first<Row | undefined>('ticket_id');
      return c?.ticket_id == null ? null : Number(c.ticket_id);
    }
  }

  private openFor(conversationId: string, at: string, source: TicketSource): Promise<number | null> {
    return this.db.transaction(async (trx) => {
      const c = await trx('conversations').where({ id: conversationId }).first<Row | undefined>();
      if (!c) return null;
      if (c.ticket_id !== null && c.ticket_id !== undefined) return Number(c.ticket_id);
      const agent = await trx('participants').where({ conversation_id: conversationId, role: Role.Agent }).orderBy('joined_at', 'desc').first<Row | undefined>('party_id');
      const assigneeId = agent ? Number(agent.party_id) : null;
      const mine = c.customer_id !== null ? { customer_id: c.customer_id } : { shopper_id: c.shopper_id, customer_id: null };
      const open = await trx('tickets').where({ site_id: c.site_id, issue_type: c.issue_type, ...mine }).whereNot({ status: TicketStatus.Resolved }).orderBy('updated_at', 'desc').first<Row | undefined>('id');
      let ticketId: number;
      if (open) {
        ticketId = Number(open.id);
        await trx('tickets').where({ id: ticketId }).update({ updated_at: at, ...(assigneeId !== null ? { assignee_id: assigneeId } : {}) }).increment('version', 1);
      } else {
        ticketId = await this.insert(trx, {
          siteId: Number(c.site_id), issueType: c.issue_type as IssueType, source,
          customerId: numOrNull(c.customer_id), customerName: strOrNull(c.customer_name), customerEmail: emailOf(c.context), shopperId: String(c.shopper_id),
        }, assigneeId, at);
      }
      // The compare-and-set: another node that got here first keeps its ticket (this transaction rolls back).
      const n = await trx('conversations').where({ id: conversationId }).whereNull('ticket_id').update({ ticket_id: ticketId });
      if (n !== 1) throw new LostRace();
      return ticketId;
    });
  }

  private async insert(trx: Q, t: NewTicket, assigneeId: number | null, at: string): Promise<number> {
    const [row] = (await trx('tickets')
      .insert({
        site_id: t.siteId, status: TicketStatus.Open, issue_type: t.issueType, source: t.source, customer_id: t.customerId, customer_name: t.customerName,
        customer_email: t.customerEmail, shopper_id: t.shopperId, assignee_id: assigneeId, version: 0, entries: 0, created_at: at, updated_at: at,
      })
      .returning('id')) as ({ id: number } | number)[];
    return typeof row === 'object' ? Number(row!.id) : Number(row);
  }

  /**
   * A ticket no agent answered (an offline message, a missed callback), with its first message.
   * With `request`, the request the shopper waited in: a ticket it already has (an earlier message
   * about it, sent at the same time even) gets this message instead — one request, one ticket.
   */
  async create(t: NewTicket, first: { author: Author; body: string }, at: string, request?: string): Promise<number> {
    const message = { kind: TicketEntryKind.Message, author: first.author, body: first.body, fileId: null };
    const attempt = () =>
      this.db.transaction(async (trx) => {
        const c = request ? await trx('conversations').where({ id: request }).first<Row | undefined>('ticket_id') : undefined;
        if (c?.ticket_id != null) {
          await this.entryIn(trx, Number(c.ticket_id), message, at);
          return Number(c.ticket_id);
        }
        const id = await this.insert(trx, t, null, at);
        await this.appendEntry(trx, id, message, at);
        // The compare-and-set: a request that got its ticket meanwhile keeps it (rolled back, tried again).
        if (c && (await trx('conversations').where({ id: request }).whereNull('ticket_id').update({ ticket_id: id })) !== 1) throw new LostRace();
        return id;
      });
    return attempt().catch((err: unknown) => (err instanceof LostRace ? attempt() : Promise.reject(err)));
  }

  /**
   * Applies an edit read at `version`; false when the ticket changed since (or does not exist).
   * A status change is also an entry; resolving stamps `resolved_at`, reopening clears it.
   */
  async update(id: number, version: number, patch: TicketPatch, author: Author, at: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const cur = await this.get(id, trx);
      if (!cur || cur.version !== version) return false;
      const changed = patch.status !== undefined && patch.status !== cur.status;
      const row: Row = { updated_at: at, version: version + 1 };
      if (patch.status !== undefined) row.status = patch.status;
      if (changed) row.resolved_at = patch.status === TicketStatus.Resolved ? at : null;
      if (patch.issueType !== undefined) row.issue_type = patch.issueType;
      if (patch.orderId !== undefined) row.order_id = patch.orderId;
      if (patch.resolution !== undefined) row.resolution = patch.resolution || null;
      if (author?.role === Role.Agent) row.assignee_id = Number(author.id);
      const n = await trx('tickets').where({ id, version }).update(row);
      if (n !== 1) return false;
      if (changed) await this.appendEntry(trx, id, { kind: TicketEntryKind.Status, author, body: patch.status!, fileId: null }, at);
      return true;
    });
  }

  /**
   * Adds an entry (bounded per ticket). A shopper's message or file reopens a ticket that was
   * pending or resolved: someone has to read it.
   */
  async addEntry(id: number, e: { kind: TicketEntryKind; author: Author; body: string; fileId: string | null }, at: string): Promise<boolean> {
    return this.db.transaction((trx) => this.entryIn(trx, id, e, at));
  }

  /**
   * Records an uploaded file and its entry. The ticket's row is written first: PostgreSQL then
   * holds its lock (SQLite has one writer), so uploads that overlap are counted one after the
   * other and cannot pass the file bound together.
   */
  async addFile(f: { id: string; ticketId: number; name: string; type: string; size: number }, author: Author, at: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      if ((await trx('tickets').where({ id: f.ticketId }).update({ updated_at: at })) !== 1) return false;
      if ((await this.fileCount(f.ticketId, trx)) >= MAX_TICKET_FILES) throw new CounterpartError(ErrorCode.TooLarge, 'This ticket has reached its file limit');
      await trx('ticket_files').insert({ id: f.id, ticket_id: f.ticketId, name: f.name, type: f.type, size: f.size, created_at: at });
      return this.entryIn(trx, f.ticketId, { kind: TicketEntryKind.File, author, body: f.name, fileId: f.id }, at);
    });
  }

  private async entryIn(trx: Q, id: number, e: { kind: TicketEntryKind; author: Author; body: string; fileId: string | null }, at: string): Promise<boolean> {
    const cur = await this.get(id, trx);
    if (!cur) return false;
    const reopen = e.author?.role === Role.Shopper && cur.status !== TicketStatus.Open;
    await this.appendEntry(trx, id, e, at);
    if (reopen) {
      await trx('tickets').where({ id }).update({ status: TicketStatus.Open, resolved_at: null });
      await this.appendEntry(trx, id, { kind: TicketEntryKind.Status, author: null, body: TicketStatus.Open, fileId: null }, at);
    }
    return true;
  }

  private async appendEntry(trx: Q, id: number, e: { kind: TicketEntryKind; author: Author; body: string; fileId: string | null }, at: string): Promise<void> {
    // The bound is a compare-and-set on the counter: concurrent writers cannot pass it together.
    const n = await trx('tickets').where({ id }).andWhere('entries', '<', MAX_TICKET_ENTRIES).update({ updated_at: at }).increment({ entries: 1, version: 1 });
    if (n !== 1) throw new CounterpartError(ErrorCode.TooLarge, 'This ticket has reached its size limit');
    await trx('ticket_entries').insert({
      ticket_id: id, kind: e.kind, author_role: e.author?.role ?? null, author_id: e.author?.id ?? null, author_name: e.author?.name ?? null,
      body: e.body, file_id: e.fileId, created_at: at,
    });
  }

  async entries(id: number, opts: { notes: boolean }): Promise<TicketEntry[]> {
    const q = this.db('ticket_entries').where({ ticket_id: id }).orderBy('id');
    const rows: Row[] = await (opts.notes ? q : q.whereNotIn('kind', [TicketEntryKind.Note, TicketEntryKind.Transfer]));
    const fileIds = rows.map((r) => r.file_id).filter((v): v is string => typeof v === 'string');
    const files: Row[] = fileIds.length ? await this.db('ticket_files').whereIn('id', fileIds) : [];
    return rows.map((r) => entryFromRow(r, files.find((f) => f.id === r.file_id)));
  }

  // ---- files ---------------------------------------------------------------------------------

  async fileCount(ticketId: number, q: Q = this.db): Promise<number> {
    const [row] = (await q('ticket_files').where({ ticket_id: ticketId }).count({ n: '*' })) as [{ n: number | string }];
    return Number(row.n);
  }

  async file(id: string): Promise<{ id: string; ticketId: number; name: string; type: string; size: number } | null> {
    const r = await this.db('ticket_files').where({ id }).first<Row | undefined>();
    return r ? { id: String(r.id), ticketId: Number(r.ticket_id), name: String(r.name), type: String(r.type), size: Number(r.size) } : null;
  }

  // ---- ratings -------------------------------------------------------------------------------

  /** Stores a conversation's rating once (its primary key is the compare-and-set); false when it has one. */
  async rate(conversationId: string, ticketId: number | null, agentId: number | null, r: { score: number; comment: string | null }, at: string): Promise<boolean> {
    const n = (await this.db('ratings')
      .insert({ conversation_id: conversationId, ticket_id: ticketId, agent_id: agentId, score: r.score, comment: r.comment, created_at: at })
      .onConflict('conversation_id')
      .ignore()
      .returning('conversation_id')) as unknown[];
    return n.length === 1;
  }

  async ratingsOf(conversationIds: string[]): Promise<Map<string, Rating>> {
    const rows: Row[] = conversationIds.length ? await this.db('ratings').whereIn('conversation_id', conversationIds) : [];
    return new Map(rows.map((r) => [String(r.conversation_id), ratingFromRow(r)]));
  }

  // ---- lists ---------------------------------------------------------------------------------

  /** The latest tickets (newest change first), optionally of one status, with counts. */
  async list(opts: { status?: TicketStatus; limit: number; assigneeId?: number }): Promise<(TicketRow & { conversations: number; rating: number | null; assigneeName: string | null })[]> {
    let q = this.db('tickets').orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(opts.limit);
    if (opts.status) q = q.where({ status: opts.status });
    if (opts.assigneeId !== undefined) q = q.where({ assignee_id: opts.assigneeId });
    const rows: Row[] = await q;
    const ids = rows.map((r) => Number(r.id));
    const counts: Row[] = ids.length ? await this.db('conversations').whereIn('ticket_id', ids).groupBy('ticket_id').select('ticket_id').count({ n: '*' }) : [];
    const ratings: Row[] = ids.length ? await this.db('ratings').whereIn('ticket_id', ids).groupBy('ticket_id').select('ticket_id').avg({ s: 'score' }) : [];
    const users: Row[] = await this.db('users').whereIn('id', rows.map((r) => r.assignee_id).filter((v) => v !== null) as number[]).select('id', 'name');
    return rows.map((r) => ({
      ...ticketFromRow(r),
      conversations: Number(counts.find((c) => Number(c.ticket_id) === Number(r.id))?.n ?? 0),
      rating: numOrNull(ratings.find((c) => Number(c.ticket_id) === Number(r.id))?.s),
      assigneeName: strOrNull(users.find((u) => Number(u.id) === Number(r.assignee_id))?.name),
    }));
  }
}
