/**
 * The supervisor's realtime connection: keeps the agents, the live calls and the QoS series
 * up to date from the server's snapshot and updates, and reconnects with backoff.
 */
import { RealtimeClient, ticketsFor } from '../../client/realtime';
import { CallState, CloseCode, Role, type AgentView, type CallView, type QosSample } from '../../protocol/index';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'replaced' | 'closed';

export interface QosPoint {
  at: string;
  from: Role.Agent | Role.Shopper;
  sample: QosSample;
}

/** Points kept per call for the chart. */
export const MAX_POINTS = 60;
/** How long an ended call stays in the list, shown as ended. */
export const ENDED_LINGER_MS = 3000;

export class LiveStore {
  status = $state<ConnectionStatus>('connecting');
  agents = $state<AgentView[]>([]);
  calls = $state<CallView[]>([]);
  /** qos.update messages received per call id on this page; also the chart's change signal. */
  qosCounts = $state<Record<string, number>>({});
  /** Set when the server refused the token (close code 4401). */
  unauthorized = $state(false);

  /** Last MAX_POINTS samples per call; not reactive, read when qosCounts changes. */
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
      this.calls = msg.calls.filter((c) => c.state !== CallState.Ended);
      for (const id of this.series.keys()) if (!this.calls.some((c) => c.id === id)) this.series.delete(id);
    });
    rt.on('agent.update', (msg) => this.#upsertAgent(msg.agent));
    rt.on('call.update', (msg) => this.#upsertCall(msg.call));
    rt.on('qos.update', (msg) => this.#addQos(msg.callId, { at: msg.at, from: msg.from, sample: msg.sample }));
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

  #upsertCall(call: CallView): void {
    const i = this.calls.findIndex((c) => c.id === call.id);
    if (i === -1) {
      if (call.state === CallState.Ended) return;
      this.calls.push(call);
    } else {
      // keep the freshest QoS we have when the update carries none
      const lastQos = call.lastQos ?? this.calls[i]?.lastQos ?? null;
      this.calls[i] = { ...call, lastQos };
    }
    if (call.state === CallState.Ended && !this.#endedTimers.has(call.id)) {
      this.#endedTimers.set(
        call.id,
        setTimeout(() => this.#removeCall(call.id), ENDED_LINGER_MS),
      );
    }
  }

  #removeCall(id: string): void {
    this.#endedTimers.delete(id);
    this.calls = this.calls.filter((c) => c.id !== id);
    this.series.delete(id);
  }

  #addQos(callId: string, point: QosPoint): void {
    const points = this.series.get(callId) ?? [];
    points.push(point);
    if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    this.series.set(callId, points);

    const call = this.calls.find((c) => c.id === callId);
    if (call) call.lastQos = { ...point.sample, at: point.at, from: point.from };
    this.qosCounts[callId] = (this.qosCounts[callId] ?? 0) + 1;
  }
}
