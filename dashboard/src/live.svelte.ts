/**
 * The supervisor's realtime connection: keeps the agents, the live calls and the QoS series
 * up to date from the server's snapshot and updates, and reconnects with backoff.
 */
import {
  CallState,
  CloseCode,
  Paths,
  Role,
  parseServerMessage,
  type AgentView,
  type CallView,
  type QosSample,
  type ServerMessage,
} from '../../protocol/index';

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
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 10_000;

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

  #socket: WebSocket | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #backoff = BACKOFF_MIN_MS;
  #endedTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #stopped = false;

  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    for (const t of this.#endedTimers.values()) clearTimeout(t);
    this.#endedTimers.clear();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, 'signed out');
    this.status = 'closed';
  }

  /** Reconnect now, e.g. after the connection was taken over by another tab. */
  retry(): void {
    clearTimeout(this.#retryTimer);
    this.#backoff = BACKOFF_MIN_MS;
    this.status = 'connecting';
    this.#connect();
  }

  #connect(): void {
    if (this.#stopped) return;
    const url = new URL(Paths.realtime, location.origin);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.#token);
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onmessage = (ev) => {
      if (this.#socket !== socket || typeof ev.data !== 'string') return;
      const msg = parseServerMessage(ev.data);
      if (msg) this.#handle(msg);
    };
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#onClose(ev.code);
    };
  }

  #onClose(code: number): void {
    if (this.#stopped) return;
    if (code === CloseCode.Unauthorized) {
      this.unauthorized = true;
      this.status = 'closed';
      return;
    }
    if (code === CloseCode.Replaced) {
      this.status = 'replaced';
      return;
    }
    this.status = 'reconnecting';
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'hello':
        this.status = 'open';
        this.#backoff = BACKOFF_MIN_MS;
        break;
      case 'snapshot':
        this.status = 'open';
        this.agents = msg.agents;
        for (const t of this.#endedTimers.values()) clearTimeout(t);
        this.#endedTimers.clear();
        this.calls = msg.calls.filter((c) => c.state !== CallState.Ended);
        for (const id of this.series.keys()) {
          if (!this.calls.some((c) => c.id === id)) this.series.delete(id);
        }
        break;
      case 'agent.update':
        this.#upsertAgent(msg.agent);
        break;
      case 'call.update':
        this.#upsertCall(msg.call);
        break;
      case 'qos.update':
        this.#addQos(msg.callId, { at: msg.at, from: msg.from, sample: msg.sample });
        break;
      case 'error':
        console.warn(`[counterpart] server error ${msg.code}: ${msg.message}`);
        break;
      default:
        break;
    }
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
