import { randomUUID } from 'node:crypto';
import {
  ConversationState as S,
  CounterpartError,
  ErrorCode,
  MediaEndReason,
  RingEndReason,
  TERMINAL_STATES,
  type ChatMessage,
  type EndReason,
  type EndedBy,
  MediaKind,
  type QosSample,
} from '../../../protocol/index';
import { iso, type Db } from '../db/index';
import type { SkillRow } from '../routing/skills';
import type { Knex } from 'knex';
import { acceptRing, casTx, dropRing, LostRace, moveLoad, releaseAgents } from './agent-load';
import { offerBatch, type OfferWant } from './offer-batch';
import {
  conversationFromRows,
  conversationRow,
  encodeParty,
  mediaFromRow,
  messageFromRow,
  participantRow,
  type Conversation,
  type MediaSession,
  type Participant,
  type Party,
  type Row,
} from './model';

const LIVE = [S.Queued, S.Offered, S.Active];
type Tx = Knex.Transaction;

/** An agent's stored status: presence, load, wrap-up and skills. */
export type AgentRow = {
  presence: string;
  ringing: string | null;
  calls: number;
  chats: number;
  maxChats: number | null;
  wrapUpUntil: number | null;
  missedRings: number;
  idleSince: number | null;
  skills: SkillRow[];
  /** The account is an active agent's. */
  enrolled: boolean;
};

/**
 * Every read and write of conversations. Each state change is one transaction whose first
 * statement is a compare-and-set on the conversation's state (`where state in (…)`): it returns
 * false when another request (or node) got there first, and nothing is written.
 */
export class ConversationStore {
  constructor(readonly db: Db) {}

  tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async insert(c: Conversation): Promise<void> {
    await this.tx(async (trx) => {
      await trx('conversations').insert(conversationRow(c));
      for (const p of c.participants) await trx('participants').insert(participantRow(c.id, p));
    });
  }

  private async assemble(q: Db | Tx, rows: Row[]): Promise<Conversation[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => String(r.id));
    const parts: Row[] = await q('participants').whereIn('conversation_id', ids).orderBy('id');
    const media: Row[] = await q('media_sessions').whereIn('conversation_id', ids).whereNull('ended_at');
    return rows.map((r) =>
      conversationFromRows(
        r,
        parts.filter((p) => p.conversation_id === r.id),
        media.find((m) => m.conversation_id === r.id),
      ),
    );
  }

  async load(id: string, q: Db | Tx = this.db): Promise<Conversation | null> {
    const row = await q('conversations').where({ id }).first<Row | undefined>();
    return row ? ((await this.assemble(q, [row]))[0] ?? null) : null;
  }

  /** Every conversation that has not ended, oldest first (what a starting server takes over). */
  async loadLive(): Promise<Conversation[]> {
    const rows: Row[] = await this.db('conversations').whereIn('state', LIVE).orderBy('requested_at');
    return this.assemble(this.db, rows);
  }

  /** Compare-and-set of the state; false when the conversation is no longer in `from`. */
  async cas(trx: Tx, id: string, from: S[], patch: Row): Promise<boolean> {
    const n = await trx('conversations').where({ id }).whereIn('state', from).update(patch);
    return n === 1;
  }

  /**
   * Offers a queued conversation to an agent: a compare-and-set on the conversation (still
   * queued) and on the agent's row (available, out of wrap-up, ringing nothing, a free slot for
   * this channel), in one transaction — so two nodes cannot offer one request twice, nor ring one
   * agent twice or past their capacity. A router pass's offers are written together (offer-batch.ts).
   */
  offerMany(wants: readonly OfferWant[], at: string, deadline: number, now: number, limits: { maxChats: number; maxTotal: number }): Promise<Set<string>> {
    return offerBatch(this.db, wants, at, deadline, now, limits.maxChats, limits.maxTotal);
  }

  /** The ringing agent's warm peer for this offer (pre-connect); false when the ring is over. */
  async setRingPeer(id: string, agentId: number, peerId: string): Promise<boolean> {
    const n = await this.db('conversations').where({ id, state: S.Offered, offered_agent_id: agentId }).update({ ring_peer_id: peerId });
    return n === 1;
  }

  /** A participant's warm peer while the conversation rings (pre-connect); false when it no longer rings. */
  async setWarmPeer(id: string, party: Party, peerId: string, at: string): Promise<boolean> {
    return this.tx(async (trx) => {
      if (!(await trx('conversations').where({ id, state: S.Offered }).first('id'))) return false;
      await trx('participants').where({ conversation_id: id, role: party.role, party_id: party.id }).update({ peer_id: peerId, peer_joined_at: at });
      return true;
    });
  }

  /** Ends the open offer rows of a conversation with an outcome. */
  async closeOffers(trx: Tx, id: string, outcome: RingEndReason, at: string): Promise<void> {
    await trx('offers').where({ conversation_id: id }).whereNull('ended_at').update({ ended_at: at, outcome });
  }

  /**
   * The offer stopped without an answer: back to the queue, and the agent stops ringing. A ring
   * timeout is a missed ring: `awayAfter` in a row set the agent away (`away` in the answer).
   */
  async unoffer(id: string, agentId: number, outcome: RingEndReason, at: string, awayAfter: number): Promise<{ ok: boolean; away: boolean }> {
    return this.tx(async (trx) => {
      const ok = await trx('conversations')
        .where({ id, state: S.Offered, offered_agent_id: agentId })
        .update({ state: S.Queued, offered_agent_id: null, offer_deadline: null, ring_peer_id: null });
      if (ok !== 1) return { ok: false, away: false };
      await this.closeOffers(trx, id, outcome, at);
      // The shopper's warm peer of that ring is retired with it (the next ring warms a fresh one).
      await trx('participants').where({ conversation_id: id }).update({ peer_id: null, peer_joined_at: null });
      const away = await dropRing(trx, agentId, id, outcome === RingEndReason.Timeout, awayAfter, at);
      return { ok: true, away };
    });
  }

  /** The waiting shopper asked to be called back (null: withdrawn); false when it is no longer waiting. */
  async setCallback(id: string, at: string | null): Promise<boolean> {
    return (await this.db('conversations').where({ id }).whereIn('state', [S.Queued, S.Offered]).update({ callback_at: at })) === 1;
  }

  /** A transfer directed to one agent falls back to the issue type's queue (they did not take it). */
  async clearTransferTarget(id: string): Promise<void> {
    await this.db('conversations').where({ id }).update({ transfer_to: null });
  }

  /**
   * An agent hands an active conversation on: back to the queue (directed to `to`, or the issue
   * type's), with the note; the agent leaves and gives back their slot (wrapping up until
   * `wrapUntil`); a running media session stops (the next agent starts one when they accept).
   */
  async transfer(id: string, from: { id: number; name: string }, t: { to: number | null; issueType: string; note: string }, at: string, waitDeadline: number, wrapUntil: number | null): Promise<boolean> {
    return this.tx(async (trx) => {
      const ok = await this.cas(trx, id, [S.Active], {
        state: S.Queued, issue_type: t.issueType, wait_deadline: waitDeadline, proposal_kind: null, proposal_by: null,
        transfer_from: from.id, transfer_from_name: from.name, transfer_to: t.to, transfer_note: t.note, transferred_at: at,
      });
      if (!ok) return false;
      await releaseAgents(trx, id, wrapUntil, from.id);
      await trx('participants').where({ conversation_id: id, role: 'agent', party_id: String(from.id) }).update({ left_at: at, state: 'left', grace_deadline: null, media_path: null });
      await trx('participants').where({ conversation_id: id }).update({ media_path: null });
      await trx('media_sessions').where({ conversation_id: id }).whereNull('ended_at').update({ ended_at: at, end_reason: MediaEndReason.Stopped, connect_deadline: null });
      return true;
    });
  }

  /** The agent takes it: active, the agent joins (their ring becomes a call or chat slot), and a media session starts for voice or video. */
  async accept(id: string, agentId: number, agent: Participant, media: MediaSession | null, at: string): Promise<boolean> {
    return casTx(this.db, async (trx) => {
      const ok = await trx('conversations')
        .where({ id, state: S.Offered, offered_agent_id: agentId })
        .update({ state: S.Active, offered_agent_id: null, offer_deadline: null, wait_deadline: null, answered_at: trx.raw('coalesce(answered_at, ?)', [at]), ring_peer_id: null });
      if (ok !== 1) return false;
      await this.closeOffers(trx, id, RingEndReason.Accepted, at);
      await acceptRing(trx, agentId, id, agent.load ?? 'chat');
      // An agent who had it before a transfer joins again in their old row.
      await trx('participants').insert(participantRow(id, agent)).onConflict(['conversation_id', 'role', 'party_id']).merge();
      if (media) await trx('media_sessions').insert(mediaRow(id, media));
      return true;
    });
  }

  /**
   * Ends a conversation from any of `from`: participants leave (agents give back their slot and
   * wrap up until `wrapUntil`), media and offers close.
   */
  async end(id: string, from: S[], to: S, by: EndedBy, reason: EndReason, at: string, wrapUntil: number | null): Promise<boolean> {
    if (!TERMINAL_STATES.has(to)) throw new Error(`${to} is not terminal`);
    return this.tx(async (trx) => {
      const ok = await this.cas(trx, id, from, {
        state: to, ended_at: at, ended_by: by, end_reason: reason, offered_agent_id: null, offer_deadline: null, wait_deadline: null, ring_peer_id: null,
        proposal_kind: null, proposal_by: null,
      });
      if (!ok) return false;
      await releaseAgents(trx, id, wrapUntil);
      await trx('participants').where({ conversation_id: id }).whereNull('left_at').update({ left_at: at, state: 'left', grace_deadline: null, media_path: null });
      await trx('media_sessions').where({ conversation_id: id }).whereNull('ended_at').update({ ended_at: at, end_reason: MediaEndReason.ConversationEnded, connect_deadline: null });
      await this.closeOffers(trx, id, by === 'system' ? RingEndReason.Expired : RingEndReason.Cancelled, at);
      return true;
    });
  }

  /** Updates one participant row of a live conversation; false when the conversation ended. */
  async updateParticipant(id: string, party: Party, fields: Row): Promise<boolean> {
    return this.tx(async (trx) => {
      const live = await trx('conversations').where({ id }).whereIn('state', LIVE).first('id');
      if (!live) return false;
      await trx('participants').where({ conversation_id: id, role: party.role, party_id: party.id }).update(fields);
      return true;
    });
  }

  /** Marks every present participant of every live conversation reconnecting (at start: nobody is connected yet). */
  async allReconnecting(deadline: number): Promise<void> {
    await this.db('participants')
      .whereNull('left_at')
      .whereIn('conversation_id', (q) => q.select('id').from('conversations').whereIn('state', LIVE))
      .update({ state: 'reconnecting', grace_deadline: deadline });
  }

  async setProposal(id: string, proposal: { kind: MediaKind; by: Party } | null): Promise<boolean> {
    return this.tx((trx) =>
      this.cas(trx, id, [S.Active], { proposal_kind: proposal?.kind ?? null, proposal_by: proposal ? encodeParty(proposal.by) : null }),
    );
  }

  /** Starts a media session; its agents' chat slots become call slots (refused when one is in another call). */
  async startMedia(id: string, m: MediaSession, maxChats: number): Promise<boolean> {
    return this.tx(async (trx) => {
      if (!(await this.cas(trx, id, [S.Active], { proposal_kind: null, proposal_by: null }))) return false;
      if (await trx('media_sessions').where({ conversation_id: id }).whereNull('ended_at').first('id')) return false;
      await moveLoad(trx, id, 'call', maxChats).catch((err: unknown) => {
        throw err instanceof LostRace ? new CounterpartError(ErrorCode.AgentInCall, 'The agent is in another call, or being rung for one; a call here can start when that is over', 409) : err;
      });
      await trx('media_sessions').insert(mediaRow(id, m));
      await trx('participants').where({ conversation_id: id }).update({ peer_id: null, peer_joined_at: null, media_path: null });
      return true;
    });
  }

  /** Ends a media session; the conversation goes on in chat, and its agents' call slots become chat slots. */
  async endMedia(conversationId: string, mediaId: string, reason: MediaEndReason, at: string, maxChats: number): Promise<boolean> {
    return this.tx(async (trx) => {
      const n = await trx('media_sessions').where({ id: mediaId, conversation_id: conversationId }).whereNull('ended_at').update({ ended_at: at, end_reason: reason, connect_deadline: null });
      if (n !== 1) return false;
      await moveLoad(trx, conversationId, 'chat', maxChats);
      return true;
    });
  }

  async updateMedia(mediaId: string, fields: Row): Promise<void> {
    await this.db('media_sessions').where({ id: mediaId }).whereNull('ended_at').update(fields);
  }

  /** The most recent answered conversations that ended (oldest first): the wait estimate's handle and answer times. */
  async recentlyAnswered(limit: number): Promise<Pick<Conversation, 'channel' | 'offeredAt' | 'answeredAt' | 'endedAt'>[]> {
    const rows: Row[] = await this.db('conversations').whereNotNull('answered_at').whereNotNull('ended_at').orderBy('ended_at', 'desc').limit(limit)
      .select('channel', 'offered_at', 'answered_at', 'ended_at');
    return rows.reverse().map((r) => ({ channel: r.channel as MediaKind, offeredAt: iso(r.offered_at), answeredAt: iso(r.answered_at), endedAt: iso(r.ended_at) }));
  }

  /** Agents this conversation was offered to whose offer ended (declined, missed) after `since`. */
  async recentlyRefused(id: string, sinceIso: string): Promise<Map<number, string>> {
    const rows: Row[] = await this.db('offers')
      .where({ conversation_id: id })
      .whereIn('outcome', [RingEndReason.Declined, RingEndReason.Timeout, RingEndReason.AgentAway])
      .andWhere('ended_at', '>', sinceIso)
      .select('agent_id', 'ended_at');
    return new Map(rows.map((r) => [Number(r.agent_id), String(r.ended_at)]));
  }

  // ---- messages ----------------------------------------------------------------------------

  /**
   * Stores a message with the next seq of its conversation (one transaction: the counter and
   * the row). A message the sender already sent (same clientId) is returned as stored, not added.
   */
  async appendMessage(
    id: string,
    m: { sender: Party | null; senderName: string; kind: ChatMessage['kind']; text: string; fileId: string | null; clientId: string | null },
    at: string,
  ): Promise<{ message: ChatMessage; added: boolean } | null> {
    return this.tx(async (trx) => {
      if (m.clientId && m.sender) {
        const dup = await trx('messages').where({ conversation_id: id, sender_role: m.sender.role, sender_id: m.sender.id, client_id: m.clientId }).first<Row | undefined>();
        if (dup) return { message: await this.withFile(trx, dup), added: false };
      }
      const n = await trx('conversations').where({ id }).increment('last_seq', 1);
      if (n !== 1) return null;
      const { last_seq } = (await trx('conversations').where({ id }).first('last_seq')) as { last_seq: number };
      const row = {
        id: randomUUID(), conversation_id: id, seq: Number(last_seq), sender_role: m.sender?.role ?? null, sender_id: m.sender?.id ?? null,
        sender_name: m.senderName, kind: m.kind, text: m.text, file_id: m.fileId, client_id: m.clientId, created_at: at,
      };
      await trx('messages').insert(row);
      return { message: await this.withFile(trx, row), added: true };
    });
  }

  private async withFile(q: Db | Tx, row: Row): Promise<ChatMessage> {
    const file = row.file_id ? await q('files').where({ id: row.file_id }).first<Row | undefined>() : undefined;
    return messageFromRow(row, file);
  }

  async messagesAfter(id: string, afterSeq: number, limit: number): Promise<{ messages: ChatMessage[]; more: boolean }> {
    const rows: Row[] = await this.db('messages').where({ conversation_id: id }).andWhere('seq', '>', afterSeq).orderBy('seq').limit(limit + 1);
    const page = rows.slice(0, limit);
    const fileIds = page.map((r) => r.file_id).filter((v): v is string => typeof v === 'string');
    const files: Row[] = fileIds.length ? await this.db('files').whereIn('id', fileIds) : [];
    return { messages: page.map((r) => messageFromRow(r, files.find((f) => f.id === r.file_id))), more: rows.length > limit };
  }

  // ---- agents and QoS ----------------------------------------------------------------------

  /** Every agent's stored status and skills (a row is made for an agent who has none yet, away). */
  async agentRows(ids: number[], at: string): Promise<Map<number, AgentRow>> {
    for (const id of ids) await this.db('agent_status').insert({ user_id: id, presence: 'away', since: at }).onConflict('user_id').ignore();
    const rows: Row[] = ids.length ? await this.db('agent_status').whereIn('user_id', ids) : [];
    const skills: Row[] = ids.length ? await this.db('agent_skills').whereIn('user_id', ids) : [];
    const enrolled = new Set((ids.length ? ((await this.db('users').whereIn('id', ids).andWhere({ role: 'agent', active: true }).select('id')) as Row[]) : []).map((u) => Number(u.id)));
    return new Map(
      rows.map((r) => [
        Number(r.user_id),
        {
          presence: String(r.presence), ringing: r.ring_conversation === null ? null : String(r.ring_conversation), calls: Number(r.calls), chats: Number(r.chats),
          maxChats: r.max_chats === null ? null : Number(r.max_chats), wrapUpUntil: r.wrapup_until === null ? null : Number(r.wrapup_until),
          missedRings: Number(r.missed_rings), idleSince: r.idle_since === null ? null : Number(r.idle_since),
          skills: skills.filter((k) => Number(k.user_id) === Number(r.user_id)).map((k) => ({ kind: k.kind as SkillRow['kind'], value: String(k.value), level: Number(k.level) })),
          enrolled: enrolled.has(Number(r.user_id)),
        },
      ]),
    );
  }

  /** The agent chose a presence; going available also ends their wrap-up and restarts the missed-ring count. */
  async setPresence(userId: number, presence: string, at: string): Promise<void> {
    await this.db('agent_status')
      .where({ user_id: userId })
      .update({ presence, since: at, missed_rings: 0, ...(presence === 'available' ? { wrapup_until: null } : {}) });
  }

  /** Wrap-up ends now (its ticket is resolved); the agent is idle from now. */
  async endWrapUp(userId: number, now: number): Promise<void> {
    await this.db('agent_status').where({ user_id: userId }).whereNotNull('wrapup_until').update({ wrapup_until: null, idle_since: now });
  }

  async setIdleSince(userId: number, idleSince: number): Promise<void> {
    await this.db('agent_status').where({ user_id: userId }).update({ idle_since: idleSince });
  }

  async insertQos(id: string, from: Party, at: string, s: QosSample): Promise<void> {
    await this.db('conversation_qos').insert({
      conversation_id: id, from_role: from.role, from_id: from.id, at, rtt_ms: s.rttMs, jitter_ms: s.jitterMs, loss_pct: s.lossPct,
      bitrate_kbps: s.bitrateKbps, local_candidate: s.localCandidate, remote_candidate: s.remoteCandidate,
    });
  }
}

function mediaRow(conversationId: string, m: MediaSession): Row {
  return {
    id: m.id, conversation_id: conversationId, kind: m.kind, started_at: m.startedAt, connected_at: m.connectedAt, ended_at: m.endedAt,
    end_reason: m.endReason, resumes: m.resumes, connect_deadline: m.connectDeadline,
  };
}

export { mediaFromRow };
