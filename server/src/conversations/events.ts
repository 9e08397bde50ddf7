import { Emitter } from '../../../protocol/emitter';
import type { AgentView, ChatMessage, MediaPeer, Presence, QosSample, RingEndReason } from '../../../protocol/index';
import type { QueueStats } from './agent-queue';
import type { Conversation, Party } from './model';

/**
 * What the conversation domain tells the world, after each change is stored. Transports (the
 * realtime channel, the PeerServer) subscribe; the domain never imports them.
 */
export type DomainEvents = {
  /** State, participants, media session or proposal changed. */
  changed: (c: Conversation) => void;
  /** Where a waiting shopper stands and how long they should expect to wait (only when it changed for them). */
  queued: (c: Conversation, position: number, agentAvailable: boolean, expectedWaitMs: number | null) => void;
  offer: (c: Conversation, agentId: number, preview: ChatMessage[], timeoutMs: number) => void;
  /** A ring stopped; `setAway` when it was the missed ring that set the agent away. */
  offerEnded: (c: Conversation, agentId: number, reason: RingEndReason, setAway?: boolean) => void;
  message: (c: Conversation, m: ChatMessage) => void;
  /** An agent handed the conversation on (it is queued again), with their note for the next agent. */
  transferred: (c: Conversation, from: { id: number; name: string }, note: string) => void;
  typing: (c: Conversation, from: Party, name: string) => void;
  /** A participant's view of the other peers of the running media session. */
  mediaPeers: (c: Conversation, to: Party, peers: MediaPeer[]) => void;
  agent: (a: AgentView, presence: Presence) => void;
  /** What one agent sees of the queue changed. */
  queueStats: (agentId: number, stats: QueueStats) => void;
  qos: (c: Conversation, from: Party, at: string, sample: QosSample) => void;
  /** Peer ids that no longer belong to any live media session: the PeerServer cuts them. */
  peersRetired: (peerIds: string[]) => void;
};

export class DomainEventBus extends Emitter<DomainEvents> {
  publish<K extends keyof DomainEvents>(event: K, ...args: Parameters<DomainEvents[K]>): void {
    this.emit(event, ...args);
  }
}
