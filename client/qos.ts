import { QOS_INTERVAL_MS, type QosSample } from '../protocol/index';

type CandidateType = NonNullable<QosSample['localCandidate']>;
const TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const asType = (v: unknown): CandidateType | null => (typeof v === 'string' && TYPES.has(v) ? (v as CandidateType) : null);

type Totals = { at: number; bytes: number; lost: number; received: number };

/** One getStats() reading turned into a sample; `prev` carries the totals for rates. */
export async function readQos(pc: RTCPeerConnection, prev: Totals | null): Promise<{ sample: QosSample; totals: Totals }> {
  const stats = await pc.getStats();
  let pair: Record<string, unknown> | undefined;
  let jitter: number | null = null;
  const totals: Totals = { at: performance.now(), bytes: 0, lost: 0, received: 0 };
  const byId = new Map<string, Record<string, unknown>>();
  stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
  for (const s of byId.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = byId.get(s.selectedCandidatePairId);
    if (s.type === 'inbound-rtp') {
      totals.bytes += Number(s.bytesReceived ?? 0);
      totals.lost += Math.max(0, Number(s.packetsLost ?? 0));
      totals.received += Number(s.packetsReceived ?? 0);
      if (typeof s.jitter === 'number') jitter = Math.max(jitter ?? 0, s.jitter * 1000);
    }
  }
  if (!pair) for (const s of byId.values()) if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
  const local = pair ? byId.get(pair.localCandidateId as string) : undefined;
  const remote = pair ? byId.get(pair.remoteCandidateId as string) : undefined;
  const rtt = typeof pair?.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null;
  let lossPct: number | null = null;
  let bitrateKbps: number | null = null;
  if (prev) {
    const lost = totals.lost - prev.lost;
    const got = totals.received - prev.received;
    lossPct = lost + got > 0 ? (100 * Math.max(0, lost)) / (lost + got) : 0;
    const secs = (totals.at - prev.at) / 1000;
    bitrateKbps = secs > 0 ? Math.max(0, (8 * (totals.bytes - prev.bytes)) / 1000 / secs) : null;
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    totals,
    sample: {
      rttMs: round(rtt),
      jitterMs: round(jitter),
      lossPct: round(lossPct),
      bitrateKbps: round(bitrateKbps),
      localCandidate: asType(local?.candidateType),
      remoteCandidate: asType(remote?.candidateType),
    },
  };
}

/** Samples every QOS_INTERVAL_MS until the signal aborts. */
export function sampleQos(pc: RTCPeerConnection, report: (s: QosSample) => void, signal: AbortSignal): void {
  let prev: Totals | null = null;
  const timer = setInterval(() => {
    if (pc.connectionState === 'closed') return;
    readQos(pc, prev)
      .then(({ sample, totals }) => {
        prev = totals;
        if (!signal.aborted) report(sample);
      })
      .catch(() => {});
  }, QOS_INTERVAL_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
