import { randomUUID } from 'node:crypto';
import {
  ConversationState as S,
  CounterpartError,
  ErrorCode,
  IssueType,
  MediaKind,
  ParticipantState,
  Presence,
  RingEndReason,
  Role,
  type CustomerSummary,
  type MediaEndReason,
  type ProductSummary,
} from '../../../protocol/index';
import { admitRequest } from './admission';
import { AgentSlots } from './agent-slots';
import { Dispatcher } from './dispatch';
import type { Actor, Core } from './core';
import { agentParty, isLive, participantOf, type Conversation, type MediaSession, type Participant, type Party } from './model';
import { partyKey } from '../../../protocol/index';
import { Event, endingOf, next, sourcesOf } from './states';

const graceKey = (id: string, p: Party) => `grace:${id}:${p.role}:${p.id}`;

export type NewConversation = {
  shopper: Actor;
  siteId: number;
  net: string;
  channel: MediaKind;
  issueType: IssueType;
  language: string;
  customer: CustomerSummary | null;
  product: ProductSummary | null;
  pageUrl: string;
};

/**
 * The life of conversations: queue → offer (next agent on decline or timeout) → active → end,
 * and the reconnect grace of their participants. Every change is stored (compare-and-set) before
 * its event is published; every deadline is a stored column with a timer armed from it.
 */
export class Lifecycle {
  /** Conversations being created (the shop is being asked for context), by shopper: they count in admission. */
  private readonly creating = new Map<string, { shopperId: string; siteId: number; net: string; state: S }>();
  /** Parties with a realtime connection to this node (told by the transport: connected / disconnected). */
  private readonly online = new Set<string>();
  readonly dispatcher: Dispatcher;
  readonly slots: AgentSlots;

  constructor(private readonly core: Core) {
    this.dispatcher = new Dispatcher(core);
    this.slots = new AgentSlots(core, () => this.dispatch());
  }

  dispatch(): void {
    this.dispatcher.dispatch();
  }

  settled(): Promise<void> {
    return this.dispatcher.settled();
  }

  // ---- start: take over what the database holds ------------------------------------------------

  /**
   * At start: every live conversation is loaded; nobody is connected to a process that just
   * started, so every present participant gets a fresh reconnect grace; every deadline is armed.
   */
  async takeOver(): Promise<number> {
    const { core } = this;
    await core.store.allReconnecting(core.now() + core.opts.reconnectGraceMs);
    const since = new Date(this.core.now() - core.opts.ringRetryAfterMs).toISOString();
    for (const c of await core.store.loadLive()) {
      // An offer ringing when the last process stopped rang a console that is gone: back to the queue.
      const ringing = c.offeredAgentId;
      if (c.state === S.Offered && ringing !== null && (await core.store.unoffer(c.id, ringing, RingEndReason.ServerRestart, core.iso(), core.opts.routing.missedRingsAway)).ok) {
        const a = core.agents.get(ringing);
        if (a?.ringing === c.id) a.ringing = null;
        Object.assign(c, { state: S.Queued, offeredAgentId: null, offerDeadline: null, ringPeerId: null });
        for (const p of c.participants) Object.assign(p, { peerId: null, peerJoinedAt: null });
      }
      core.live.set(c.id, c);
      this.dispatcher.remember(c.id, await core.store.recentlyRefused(c.id, since));
      this.armDeadlines(c);
    }
    for (const c of await core.store.recentlyAnswered(100)) {
      this.dispatcher.queue.measured({ ...c, endedAt: null });
      this.dispatcher.queue.measured(c);
    }
    for (const a of core.agents.values()) this.slots.armWrapUp(a.id);
    return core.live.size;
  }

  armDeadlines(c: Conversation): void {
    const { timers } = this.core;
    if (c.waitDeadline !== null && (c.state === S.Queued || c.state === S.Offered)) timers.arm(`wait:${c.id}`, c.waitDeadline, () => void this.deadline(c.id, 'wait'));
    this.dispatcher.armOffer(c);
    for (const p of c.participants)
      if (p.graceDeadline !== null && !p.leftAt) timers.arm(graceKey(c.id, p.party), p.graceDeadline, () => void this.graceEnded(c.id, p.party));
    if (c.media?.connectDeadline != null) {
      const mediaId = c.media.id;
      timers.arm(`connect:${mediaId}`, c.media.connectDeadline, () => void this.connectTimedOut(c.id, mediaId));
    }
  }

  // ---- shoppers ----------------------------------------------------------------------------

  async start(req: NewConversation, context: () => Promise<{ customer: CustomerSummary | null; product: ProductSummary | null }>): Promise<Conversation> {
    const { core } = this;
    if (core.closing) throw new CounterpartError(ErrorCode.Unavailable, 'The service is restarting; try again in a moment');
    const shopperId = req.shopper.party.id;
    admitRequest([...core.live.values(), ...this.creating.values()], { shopperId, siteId: req.siteId, net: req.net, pending: this.creating.has(shopperId) }, core.opts.queue);
    this.creating.set(shopperId, { shopperId, siteId: req.siteId, net: req.net, state: S.Queued });
    try {
      const { customer, product } = await context();
      // A customer the shop vouched for is named; a guest is not (the UIs say "guest").
      const shopper = { ...req.shopper, name: customer?.name ?? req.shopper.name };
      if (core.closing) throw new CounterpartError(ErrorCode.Unavailable, 'The service is restarting; try again in a moment');
      const at = this.core.iso();
      const c: Conversation = {
        id: randomUUID(), siteId: req.siteId, shopperId, net: req.net, state: S.Queued, channel: req.channel, issueType: req.issueType, language: req.language,
        vip: customer?.vip ?? 0, categoryIds: product?.categories.map((k) => k.id) ?? [], customer, product, pageUrl: req.pageUrl,
        lastSeq: 0, offeredAgentId: null, ringPeerId: null, proposal: null, requestedAt: at, offeredAt: null, answeredAt: null, endedAt: null, endedBy: null,
        endReason: null, waitDeadline: this.core.now() + core.opts.queue.maxWaitMs, offerDeadline: null, media: null,
        participants: [newParticipant(shopper, at)], transfer: null, callbackAt: null,
      };
      await core.store.insert(c);
      core.live.set(c.id, c);
      this.armDeadlines(c);
      // The shopper's socket closed while the shop was asked or the row written: it is reconnecting, with its grace.
      if (!this.online.has(partyKey(req.shopper.party))) await core.locks.run(c.id, () => this.markReconnecting(c, req.shopper.party));
      // After the caller has answered the start: the shopper learns the conversation first, then its place.
      setImmediate(() => {
        core.events.publish('changed', c);
        this.dispatch();
      });
      return c;
    } finally {
      this.creating.delete(shopperId);
    }
  }

  /** An explicit end (hang-up, cancel) by a participant; `unanswered`: only while no agent has answered it (else `invalid_transition`). */
  end(actor: Actor, id: string, unanswered = false): Promise<void> {
    const event = actor.party.role === Role.Shopper ? Event.ShopperEnd : Event.AgentEnd;
    return this.core.withConversation(id, (c) => (unanswered && c.answeredAt !== null ? Promise.reject(new CounterpartError(ErrorCode.InvalidTransition, 'An agent has answered this conversation')) : this.apply(c, event)), actor);
  }

  /**
   * Ends a conversation by an event of the transition table (refused with `invalid_transition`
   * when the table has no such move). The stored end is the truth: a lost CAS re-reads it.
   */
  private async apply(c: Conversation, event: Event): Promise<void> {
    const to = next(c.state, event);
    const ending = endingOf(event, c.state);
    if (!ending) throw new CounterpartError(ErrorCode.InvalidTransition, `"${event}" does not end a conversation`);
    const at = this.core.iso();
    const wrapUpMs = this.core.opts.routing.wrapUpMs;
    const wrapUntil = wrapUpMs > 0 ? this.core.now() + wrapUpMs : null;
    const ok = await this.core.store.end(c.id, sourcesOf(event).filter((s) => s === c.state), to, ending.by, ending.reason, at, wrapUntil);
    if (!ok) {
      await this.core.reload(c.id);
      for (const p of c.participants) if (p.party.role === Role.Agent) await this.core.reloadAgent(Number(p.party.id));
      if (c.offeredAgentId !== null) await this.core.reloadAgent(c.offeredAgentId);
      return;
    }
    this.slots.release(c, wrapUntil);
    this.finish(c, to, ending, at);
  }

  private finish(c: Conversation, to: S, ending: { by: Conversation['endedBy']; reason: Conversation['endReason'] }, at: string): void {
    const { core } = this;
    const offered = c.offeredAgentId;
    const media = c.media;
    Object.assign(c, { state: to, endedAt: at, endedBy: ending.by, endReason: ending.reason, offeredAgentId: null, offerDeadline: null, waitDeadline: null, proposal: null });
    for (const p of c.participants) if (!p.leftAt) Object.assign(p, { leftAt: at, state: ParticipantState.Left, graceDeadline: null, mediaPath: null });
    if (media) {
      Object.assign(media, { endedAt: at, endReason: 'conversation_ended' as MediaEndReason, connectDeadline: null });
      c.media = null;
    }
    core.peersEnded(c);
    core.live.delete(c.id);
    core.lastQos.delete(c.id);
    this.dispatcher.forget(c.id);
    // Exact keys: a prefix scan of every timer per end is quadratic in a long queue.
    core.timers.disarm(`wait:${c.id}`);
    core.timers.disarm(`offer:${c.id}`);
    for (const p of c.participants) core.timers.disarm(graceKey(c.id, p.party));
    if (media) core.timers.disarm(`connect:${media.id}`);
    if (offered !== null) core.events.publish('offerEnded', c, offered, ending.by === 'system' ? RingEndReason.Expired : RingEndReason.Cancelled);
    this.dispatcher.queue.measured(c);
    core.events.publish('changed', c);
    for (const p of c.participants) {
      const a = p.party.role === Role.Agent ? core.agents.get(Number(p.party.id)) : undefined;
      if (a) core.publishAgent(a);
    }
    if (offered !== null && core.agents.get(offered)) core.publishAgent(core.agents.get(offered)!);
    this.dispatch();
  }

  // ---- agents -----------------------------------------------------------------------------

  /** An agent chooses available or away; available also ends their wrap-up (Ready). */
  async setPresence(actor: Actor, presence: Presence.Available | Presence.Away): Promise<void> {
    const a = this.core.requireAgent(actor);
    const ready = presence === Presence.Available && a.wrapUpUntil !== null;
    if (a.presence !== presence || ready) {
      await this.core.store.setPresence(a.id, presence, this.core.iso());
      if (presence === Presence.Available) {
        a.idleSince = this.core.now();
        a.wrapUpUntil = null;
        await this.core.store.setIdleSince(a.id, a.idleSince);
        this.slots.armWrapUp(a.id);
      }
      a.presence = presence;
      const offered = this.core.offeredTo(a.id);
      if (presence === Presence.Away && offered) await this.dispatcher.unoffer(offered.id, a.id, RingEndReason.AgentAway);
    }
    this.core.publishAgent(a, true);
    this.dispatch();
  }

  accept(actor: Actor, id: string): Promise<Conversation> {
    const a = this.core.requireAgent(actor);
    return this.core.withConversation(id, async (c) => {
      if (c.state !== S.Offered || c.offeredAgentId !== a.id) throw new CounterpartError(ErrorCode.NotOffered, 'This conversation is not offered to you');
      next(c.state, Event.Accept);
      const at = this.core.iso();
      const media = c.channel === MediaKind.Chat ? null : this.newMedia(c.channel, at);
      const agent = { ...newParticipant(actor, at), load: media ? ('call' as const) : ('chat' as const) };
      // Pre-connect: the peer this console warmed up while ringing is its peer in the call.
      if (c.ringPeerId) Object.assign(agent, { peerId: c.ringPeerId, peerJoinedAt: at });
      if (!(await this.core.store.accept(c.id, a.id, agent, media, at))) {
        await this.core.reload(c.id);
        await this.core.reloadAgent(a.id);
        throw new CounterpartError(ErrorCode.NotOffered, 'This conversation is no longer offered to you');
      }
      const transferred = c.transfer !== null;
      Object.assign(c, { state: S.Active, offeredAgentId: null, offerDeadline: null, waitDeadline: null, answeredAt: c.answeredAt ?? at, media, ringPeerId: null });
      // An agent who had it before a transfer takes their old place.
      const before = c.participants.findIndex((p) => p.party.role === Role.Agent && p.party.id === agent.party.id);
      if (before >= 0) c.participants[before] = agent;
      else c.participants.push(agent);
      Object.assign(a, { ringing: null, idleSince: this.core.now() });
      if (media) a.calls++;
      else a.chats++;
      // The answer time of the queue is the first answer's; a transfer's is not a new one.
      if (!transferred) this.dispatcher.queue.measured(c);
      this.core.timers.disarm(`offer:${c.id}`);
      this.core.timers.disarm(`wait:${c.id}`);
      if (media) this.armDeadlines(c);
      this.dispatcher.retell(c.id);
      this.core.events.publish('offerEnded', c, a.id, RingEndReason.Accepted);
      this.core.events.publish('changed', c);
      this.core.ringAccepted(c);
      this.core.publishAgent(a);
      this.dispatch();
      return c;
    });
  }

  newMedia(kind: MediaKind, at: string): MediaSession {
    return {
      id: randomUUID(), kind: kind as MediaSession['kind'], startedAt: at, connectedAt: null, endedAt: null, endReason: null, resumes: 0,
      connectDeadline: this.core.now() + this.core.opts.connectTimeoutMs,
    };
  }

  decline(actor: Actor, id: string): Promise<void> {
    const a = this.core.requireAgent(actor);
    const c = this.core.live.get(id);
    if (!c || c.state !== S.Offered || c.offeredAgentId !== a.id) throw new CounterpartError(ErrorCode.NotOffered, 'This conversation is not offered to you');
    return this.dispatcher.unoffer(id, a.id, RingEndReason.Declined);
  }

  // ---- connections ------------------------------------------------------------------------

  /** A party's first realtime socket opened (again): it is back in every conversation it is in. */
  async connected(party: Party): Promise<Conversation[]> {
    const { core } = this;
    this.online.add(partyKey(party));
    if (party.role === Role.Agent) {
      const a = core.agents.get(Number(party.id));
      if (a) a.connected = true;
      if (a) this.dispatcher.queue.agents.forget(a.id);
    }
    const mine = [...core.live.values()].filter((c) => participantOf(c, party)?.leftAt === null);
    for (const c of mine)
      await core.locks.run(c.id, async () => {
        const p = participantOf(c, party);
        if (!p || p.leftAt || p.state === ParticipantState.Connected || !isLive(c)) return;
        if (!(await core.store.updateParticipant(c.id, party, { state: ParticipantState.Connected, grace_deadline: null }))) return void (await core.reload(c.id));
        Object.assign(p, { state: ParticipantState.Connected, graceDeadline: null });
        core.timers.disarm(graceKey(c.id, party));
        core.events.publish('changed', c);
      });
    if (party.role === Role.Agent) {
      const a = core.agents.get(Number(party.id));
      if (a) core.publishAgent(a, true);
    }
    // A shopper back on a new page is told where it stands again (only its own conversations).
    for (const c of mine) this.dispatcher.retell(c.id);
    this.dispatch();
    return mine;
  }

  /** A party's last realtime socket closed: each of its conversations waits for it until the grace ends. */
  async disconnected(party: Party): Promise<void> {
    const { core } = this;
    // Shutting down: every socket closes now; the next start gives every participant its grace.
    if (core.closing) return;
    const key = partyKey(party);
    this.online.delete(key);
    if (party.role === Role.Agent) {
      const a = core.agents.get(Number(party.id));
      if (a) a.connected = false;
      const offered = core.offeredTo(Number(party.id));
      if (offered) await this.dispatcher.unoffer(offered.id, Number(party.id), RingEndReason.AgentGone);
    }
    const mine = [...core.live.values()].filter((c) => participantOf(c, party)?.leftAt === null);
    for (const c of mine) await core.locks.run(c.id, () => this.markReconnecting(c, party));
    if (party.role === Role.Agent) {
      const a = core.agents.get(Number(party.id));
      if (a) core.publishAgent(a);
    }
    this.dispatch();
  }

  /** A participant's connection is gone: stored as reconnecting, with its grace armed (under the conversation's lock). */
  private async markReconnecting(c: Conversation, party: Party): Promise<void> {
    const { core } = this;
    const p = participantOf(c, party);
    // Back already (a new page's socket opened while this waited for the lock): nothing to wait for.
    if (this.online.has(partyKey(party)) || !p || p.leftAt || p.state === ParticipantState.Reconnecting || !core.live.has(c.id)) return;
    const deadline = core.now() + core.opts.reconnectGraceMs;
    if (!(await core.store.updateParticipant(c.id, party, { state: ParticipantState.Reconnecting, grace_deadline: deadline }))) return void (await core.reload(c.id));
    Object.assign(p, { state: ParticipantState.Reconnecting, graceDeadline: deadline });
    core.timers.arm(graceKey(c.id, party), deadline, () => void this.graceEnded(c.id, party));
    core.events.publish('changed', c);
  }

  private graceEnded(id: string, party: Party): Promise<void> {
    return this.core.locks.run(id, async () => {
      const c = this.core.live.get(id);
      const p = c && participantOf(c, party);
      if (!c || !p || p.state !== ParticipantState.Reconnecting) return;
      await this.apply(c, party.role === Role.Shopper ? Event.ShopperGone : Event.AgentGone);
    }).catch((err: unknown) => this.core.log.error({ err, id }, 'reconnect grace handling failed'));
  }

  private deadline(id: string, kind: 'wait'): Promise<void> {
    return this.core.locks.run(id, async () => {
      const c = this.core.live.get(id);
      if (!c || (c.state !== S.Queued && c.state !== S.Offered)) return;
      if (kind === 'wait') await this.apply(c, Event.WaitDeadline);
    }).catch((err: unknown) => this.core.log.error({ err, id }, 'deadline handling failed'));
  }

  private connectTimedOut(id: string, mediaId: string): Promise<void> {
    return this.core.locks.run(id, async () => {
      const c = this.core.live.get(id);
      if (!c?.media || c.media.id !== mediaId || c.media.connectedAt) return;
      await this.endMedia(c, 'connect_failed' as MediaEndReason);
    }).catch((err: unknown) => this.core.log.error({ err, id }, 'connect deadline handling failed'));
  }

  /** Ends the running media session (call under the conversation's lock); the conversation goes on in chat. */
  async endMedia(c: Conversation, reason: MediaEndReason): Promise<void> {
    const m = c.media;
    if (!m) return;
    const at = this.core.iso();
    if (!(await this.core.store.endMedia(c.id, m.id, reason, at, this.core.opts.routing.maxChats))) return void (await this.core.reload(c.id));
    Object.assign(m, { endedAt: at, endReason: reason, connectDeadline: null });
    c.media = null;
    for (const p of c.participants) p.mediaPath = null;
    this.slots.moveLoad(c, 'chat');
    this.core.timers.disarm(`connect:${m.id}`);
    this.core.peersEnded(c);
    this.core.events.publish('changed', c);
    // A call slot may have freed.
    this.dispatch();
  }

  /** Stops taking new work (shutdown). Conversations are not ended: they resume after the restart. */
  stop(): void {
    this.core.closing = true;
    this.core.timers.stop();
  }
}

function newParticipant(actor: Actor, at: string): Participant {
  return {
    party: actor.party, name: actor.name, state: ParticipantState.Connected, joinedAt: at, leftAt: null, graceDeadline: null,
    peerId: null, peerJoinedAt: null, mediaPath: null, deliveredSeq: 0, readSeq: 0, load: null,
  };
}

export { agentParty };
