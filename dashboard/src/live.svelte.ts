/**
 * The supervisor's realtime connection: keeps the agents, the live conversations and the QoS
 * series up to date from the server's snapshot and updates, and reconnects with backoff.
 */
import { RealtimeClient, ticketsFor } from '../../client/realtime';
import { CloseCode, type AgentView, type ConversationView, type Party, type QosSample } from '../../protocol/index';
import { isTerminal } from './conversations';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'replaced' | 'closed';

export interface QosPoint {
  at: string;
  /** The participant whose client measured the sample. */
  from: Party;
  sample: QosSample;
}

/** Points kept per conversation for the chart (every party's samples together). */
export const MAX_POINTS = 60;
/** How long a conversation that ended (closed, abandoned, timed out) stays in the list, shown as ended. */
export const ENDED_LINGER_MS = 3000;

export class LiveStore {
  status = $state<ConnectionStatus>('connecting');
  agents = $state<AgentView[]>([]);
  conversations = $state<ConversationView[]>([]);
  /** qos.update messages received per conversation id on this page; also the chart's change signal. */
  qosCounts = $state<Record<string, number>>({});
  /** Set when the server refused the token (close code 4401). */
  unauthorized = $state(false);

  /** Last MAX_POINTS samples per conversation id; not reactive, read when qosCounts changes. */
  readonly series = new Map<string, QosPoint[]>();

  #rt: RealtimeClient;
  #endedTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /** `token` is read for every ticket, so a renewed session is used. */
  constructor(token: () => string) {
    const tickets = ticketsFor(location.origin, token);
    const rt = (this.#rt = new RealtimeClient({ baseUrl: location.origin, tickets, minBackoffMs: 1000, maxBackoffMs: 10_000 }));
    rt.on('connected', () => (this.status = 'open'));
    rt.on('disconnected', ({ code, willRetry }) => {
      if (code === CloseCode.Unauthorized && !willRetry) this.unauthorized = true;
      this.status = willRetry ? 'reconnecting' : code === CloseCode.Replaced ? 'replaced' : 'closed';
    });
    rt.on('snapshot', (msg) => {
      this.status = 'open';
      this.agents = msg.agents;
      for (const t of this.#endedTimers.values()) clearTimeout(t);
      this.#endedTimers.clear();
      this.conversations = msg.conversations.filter((c) => !isTerminal(c));
      const live = new Set(this.conversations.map((c) => c.id));
      for (const id of [...this.series.keys(), ...Object.keys(this.qosCounts)]) if (!live.has(id)) this.#forget(id);
    });
    rt.on('agent.update', (msg) => this.#upsertAgent(msg.agent));
    rt.on('conversation.update', (msg) => this.#upsertConversation(msg.conversation));
    rt.on('qos.update', (msg) => this.#addQos(msg.conversationId, { at: msg.at, from: msg.from, sample: msg.sample }));
    rt.on('error', (msg) => console.warn(`[counterpart] server error ${msg.code}: ${msg.message}`));
  }

  start(): void {
    this.status = 'connecting';
    this.#rt.connect();
  }

  stop(): void {
    for (const t of this.#endedTimers.values()) clearTimeout(t);
    this.#endedTimers.clear();
    this.#rt.close();
    this.status = 'closed';
  }

  /** The session's token was renewed: keep the socket open past the old token's expiry. */
  renew(): void {
    void this.#rt.renew().catch(() => {});
  }

  /** Reconnect now, e.g. after the connection was taken over by another tab. */
  retry(): void {
    this.#rt.close();
    this.start();
  }

  #upsertAgent(agent: AgentView): void {
    const i = this.agents.findIndex((a) => a.id === agent.id);
    if (i === -1) this.agents.push(agent);
    else this.agents[i] = agent;
  }

  #upsertConversation(conversation: ConversationView): void {
    const ended = isTerminal(conversation);
    const i = this.conversations.findIndex((c) => c.id === conversation.id);
    if (i === -1) {
      if (ended) return;
      this.conversations.push(conversation);
    } else {
      // keep the freshest QoS we have when the update carries none
      const lastQos = conversation.lastQos ?? this.conversations[i]?.lastQos ?? null;
      this.conversations[i] = { ...conversation, lastQos };
    }
    if (ended && !this.#endedTimers.has(conversation.id)) {
      this.#endedTimers.set(
        conversation.id,
        setTimeout(() => this.#removeConversation(conversation.id), ENDED_LINGER_MS),
      );
    }
  }

  #removeConversation(id: string): void {
    this.#endedTimers.delete(id);
    this.conversations = this.conversations.filter((c) => c.id !== id);
    this.#forget(id);
  }

  #forget(id: string): void {
    this.series.delete(id);
    delete this.qosCounts[id];
  }

  #addQos(conversationId: string, point: QosPoint): void {
    const points = this.series.get(conversationId) ?? [];
    points.push(point);
    if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    this.series.set(conversationId, points);

    const conversation = this.conversations.find((c) => c.id === conversationId);
    if (conversation) conversation.lastQos = { ...point.sample, at: point.at, from: point.from };
    this.qosCounts[conversationId] = (this.qosCounts[conversationId] ?? 0) + 1;
  }
}
