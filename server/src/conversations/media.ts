import {
  ConversationState as S,
  CounterpartError,
  ErrorCode,
  MediaEndReason,
  MediaPath,
  QOS_INTERVAL_MS,
  MediaKind,
  Role,
  type MediaPeer,
  type QosSample,
  partyKey,
} from '../../../protocol/index';
import type { Actor, Core } from './core';
import type { Lifecycle } from './lifecycle';
import { agentParty, isLive, participantOf, sameParty, type Conversation, type Party } from './model';
import { peerOwnedBy } from './peer-ids';


/**
 * Voice and video inside a conversation: proposals, the media session's peers (PeerJS
 * negotiates; one media connection per pair of participants, the later joiner calls), what each
 * side reports of its media path, QoS, and the PeerServer's policy of who may signal whom.
 */
export class Media {
  /** peer id → the conversation and party it belongs to, for live media sessions only. */
  private readonly peers = new Map<string, { conversationId: string; party: Party }>();
  private readonly lastQos = new Map<string, number>();

  constructor(
    private readonly core: Core,
    private readonly lifecycle: Lifecycle,
  ) {
    core.peersEnded = (c) => this.retireAll(c);
    core.ringAccepted = (c) => c.media && this.tellPeers(c);
  }

  /** After `takeOver`: index the peers of running media sessions. */
  indexLive(): void {
    for (const c of this.core.live.values())
      if (c.media) for (const p of c.participants) if (p.peerId && !p.leftAt) this.peers.set(p.peerId, { conversationId: c.id, party: p.party });
  }

  propose(actor: Actor, id: string, kind: MediaKind.Voice | MediaKind.Video): Promise<void> {
    return this.core.withConversation(
      id,
      async (c) => {
        if (c.state !== S.Active) throw new CounterpartError(ErrorCode.InvalidTransition, 'Voice and video start once an agent has joined');
        if (c.media) throw new CounterpartError(ErrorCode.InvalidTransition, 'A call is already running');
        const proposal = { kind, by: actor.party };
        if (!(await this.core.store.setProposal(c.id, proposal))) return void (await this.core.reload(c.id));
        c.proposal = proposal;
        this.core.events.publish('changed', c);
      },
      actor,
    );
  }

  answer(actor: Actor, id: string, accept: boolean): Promise<void> {
    return this.core.withConversation(
      id,
      async (c) => {
        const proposal = c.proposal;
        if (!proposal || sameParty(proposal.by, actor.party)) throw new CounterpartError(ErrorCode.InvalidTransition, 'There is no proposal for you to answer');
        if (!accept) {
          if (!(await this.core.store.setProposal(c.id, null))) return void (await this.core.reload(c.id));
          c.proposal = null;
        } else {
          const m = this.lifecycle.newMedia(proposal.kind, this.core.iso());
          if (!(await this.core.store.startMedia(c.id, m, this.core.opts.routing.maxChats))) return void (await this.core.reload(c.id));
          c.proposal = null;
          c.media = m;
          this.lifecycle.slots.moveLoad(c, 'call');
          for (const p of c.participants) Object.assign(p, { peerId: null, peerJoinedAt: null, mediaPath: null });
          this.lifecycle.armDeadlines(c);
        }
        this.core.events.publish('changed', c);
      },
      actor,
    );
  }

  stop(actor: Actor, id: string): Promise<void> {
    return this.core.withConversation(id, (c) => this.lifecycle.endMedia(c, MediaEndReason.Stopped), actor);
  }

  /**
   * A client's peer for the conversation's media. While the conversation rings (voice or video),
   * the shopper's and the ringing agent's peers pre-connect (see `warm`). Otherwise it joins the
   * running media session: a new peer of a party already in (a reloaded page) replaces the old
   * one, the others are told, and the new page places the calls (the later joiner calls).
   */
  join(actor: Actor, id: string, peerId: string): Promise<void> {
    const owned = () => {
      if (!peerOwnedBy(peerId, partyKey(actor.party))) throw new CounterpartError(ErrorCode.PeerNotOwned, 'That peer id was not issued to you');
    };
    return this.core.locks.run(id, async () => {
      const ringing = this.core.live.get(id);
      if (ringing?.state === S.Offered) return this.warm(ringing, actor, peerId, owned);
      const c = this.core.participantIn(actor, id);
      const m = c.media;
      if (!m) throw new CounterpartError(ErrorCode.InvalidTransition, 'No call is running in this conversation');
      owned();
      const p = participantOf(c, actor.party)!;
      if (p.peerId === peerId) return this.tellPeers(c);
      const old = p.peerId;
      const at = this.core.iso();
      const resumed = old !== null && m.connectedAt !== null;
      if (!(await this.core.store.updateParticipant(c.id, actor.party, { peer_id: peerId, peer_joined_at: at, media_path: MediaPath.Connecting }))) return;
      if (resumed) await this.core.store.updateMedia(m.id, { resumes: m.resumes + 1 });
      if (resumed) m.resumes++;
      Object.assign(p, { peerId, peerJoinedAt: at, mediaPath: MediaPath.Connecting });
      if (old) this.retire([old]);
      this.peers.set(peerId, { conversationId: c.id, party: actor.party });
      this.tellPeers(c);
      this.core.events.publish('changed', c);
    });
  }

  /**
   * Pre-connect while ringing: the shopper and the agent the conversation rings for each join
   * with a peer, and once both have, they are told each other (`media.peers` without a media id;
   * the agent calls). ICE, DTLS and codecs are negotiated now; both clients attach no tracks to
   * their senders until the conversation is active, so no audio or video flows before accept.
   * The pair may signal only while this ring lasts (the ring's end retires both peers).
   */
  private async warm(c: Conversation, actor: Actor, peerId: string, owned: () => void): Promise<void> {
    const at = this.core.iso();
    const agentId = actor.party.role === Role.Agent && Number(actor.party.id) === c.offeredAgentId ? c.offeredAgentId : null;
    const agent = agentId !== null;
    const p = agent ? undefined : participantOf(c, actor.party);
    if (!agent && (!p || p.leftAt || p.party.role !== Role.Shopper)) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    if (c.channel === MediaKind.Chat) throw new CounterpartError(ErrorCode.InvalidTransition, 'A chat has no call to prepare');
    owned();
    if (agentId !== null) {
      if (c.ringPeerId !== peerId) {
        if (!(await this.core.store.setRingPeer(c.id, agentId, peerId))) return void (await this.core.reload(c.id));
        if (c.ringPeerId) this.retire([c.ringPeerId]);
        c.ringPeerId = peerId;
      }
    } else if (p) {
      if (p.peerId !== peerId) {
        if (!(await this.core.store.setWarmPeer(c.id, p.party, peerId, at))) return void (await this.core.reload(c.id));
        if (p.peerId) this.retire([p.peerId]);
        Object.assign(p, { peerId, peerJoinedAt: at });
      }
    }
    this.peers.set(peerId, { conversationId: c.id, party: actor.party });
    this.tellRing(c);
  }

  /** Once both ends of a ring have a peer: each is told the other (the agent places the call). */
  private tellRing(c: Conversation): void {
    const shopper = c.participants.find((p) => p.party.role === Role.Shopper && !p.leftAt && p.peerId);
    const agentId = c.offeredAgentId;
    if (!shopper || !c.ringPeerId || agentId === null) return;
    const agent = agentParty(agentId);
    const agentName = this.core.agents.get(agentId)?.name ?? '';
    this.core.events.publish('mediaPeers', c, shopper.party, [{ party: agent, name: agentName, peerId: c.ringPeerId, placeCall: false }]);
    this.core.events.publish('mediaPeers', c, agent, [{ party: shopper.party, name: shopper.name, peerId: shopper.peerId!, placeCall: true }]);
  }

  /** Tells every participant with a peer who the others are, and whom it calls. */
  private tellPeers(c: Conversation): void {
    const joined = c.participants.filter((p) => p.peerId && !p.leftAt);
    const order = (p: (typeof joined)[number]) => `${p.peerJoinedAt ?? ''}|${partyKey(p.party)}`;
    for (const me of joined) {
      const peers: MediaPeer[] = joined
        .filter((o) => o !== me)
        .map((o) => ({ party: o.party, name: o.name, peerId: o.peerId!, placeCall: order(me) > order(o) }));
      this.core.events.publish('mediaPeers', c, me.party, peers);
    }
  }

  /** What a participant's client says of its media path; the first `flowing` marks the session connected. */
  path(actor: Actor, id: string, path: MediaPath): Promise<void> {
    return this.core.withConversation(
      id,
      async (c) => {
        const m = c.media;
        const p = participantOf(c, actor.party)!;
        if (!m || p.mediaPath === path) return;
        if (!(await this.core.store.updateParticipant(c.id, actor.party, { media_path: path }))) return;
        p.mediaPath = path;
        if (path === MediaPath.Flowing && !m.connectedAt) {
          m.connectedAt = this.core.iso();
          m.connectDeadline = null;
          await this.core.store.updateMedia(m.id, { connected_at: m.connectedAt, connect_deadline: null });
          this.core.timers.disarm(`connect:${m.id}`);
        }
        this.core.events.publish('changed', c);
      },
      actor,
    );
  }

  async qos(actor: Actor, id: string, sample: QosSample): Promise<void> {
    const c = this.core.participantIn(actor, id);
    if (!c.media) return;
    // Each end samples every QOS_INTERVAL_MS; faster senders are dropped, not stored.
    const key = `${id}:${partyKey(actor.party)}`;
    if (this.core.now() - (this.lastQos.get(key) ?? 0) < QOS_INTERVAL_MS / 2) return;
    this.lastQos.set(key, this.core.now());
    if (this.lastQos.size > 10_000) this.lastQos.clear();
    const at = this.core.iso();
    await this.core.store.insertQos(id, actor.party, at, sample);
    this.core.lastQos.set(id, { ...sample, at, from: actor.party });
    this.core.events.publish('qos', c, actor.party, at, sample);
  }

  private retire(peerIds: string[]): void {
    for (const id of peerIds) this.peers.delete(id);
    if (peerIds.length) this.core.events.publish('peersRetired', peerIds);
  }

  /** Every peer of the conversation (its participants', the ring's) loses its permission to signal. */
  private retireAll(c: Conversation): void {
    const ids = [c.ringPeerId, ...c.participants.map((p) => p.peerId)].filter((v): v is string => v !== null);
    for (const p of c.participants) Object.assign(p, { peerId: null, peerJoinedAt: null });
    c.ringPeerId = null;
    this.retire(ids);
  }

  // ---- PeerServer policy ------------------------------------------------------------------

  /** Only two peers of one running media session may signal each other. */
  maySignal(src: string, dst: string): boolean {
    const a = this.peers.get(src);
    const b = this.peers.get(dst);
    return Boolean(a && b && a.conversationId === b.conversationId && !sameParty(a.party, b.party));
  }

  /** A shopper may hold a peer (and TURN credentials) only while in a live conversation. */
  shopperInConversation(owner: string): boolean {
    for (const c of this.core.live.values())
      if (isLive(c)) for (const p of c.participants) if (!p.leftAt && p.party.role === Role.Shopper && partyKey(p.party) === owner) return true;
    return false;
  }
}
