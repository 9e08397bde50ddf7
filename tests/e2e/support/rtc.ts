/**
 * What a page's WebRTC connections show, read from outside: every RTCPeerConnection the page
 * makes from now on is kept in a list (PeerJS looks the constructor up when it calls), and their
 * getStats() are summed. For the privacy checks of pre-connect: inbound audio/video bytes.
 */
import type { Page } from 'puppeteer-core';

export type RtcReading = {
  /** Connections made since `watchRtc`, and how many are not closed. */
  made: number;
  open: number;
  /** connectionState of each open connection. */
  states: string[];
  /** Inbound RTP bytes over the open connections, by kind. */
  audioIn: number;
  videoIn: number;
  /** Candidate types of the selected pair of each connected connection, e.g. "relay/relay". */
  pairs: string[];
};

declare global {
  interface Window {
    __cpPcs?: RTCPeerConnection[];
  }
}

/**
 * Starts keeping this page's RTCPeerConnections (idempotent; call before the connections are
 * made). A string, not a function: tsx (the benches) would wrap a class in a helper the page lacks.
 */
const WATCH = `(() => {
  if (window.__cpPcs) return;
  const list = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      super(config);
      list.push(this);
    }
  };
  window.__cpPcs = list;
})()`;

export async function watchRtc(page: Page): Promise<void> {
  await page.evaluate(WATCH);
}

export function readRtc(page: Page): Promise<RtcReading> {
  return page.evaluate(async () => {
    const all = window.__cpPcs ?? [];
    const live = all.filter((pc) => pc.signalingState !== 'closed');
    const r = { made: all.length, open: live.length, states: live.map((pc) => pc.connectionState), audioIn: 0, videoIn: 0, pairs: [] as string[] };
    for (const pc of live) {
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
      for (const s of byId.values()) {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') r.audioIn += Number(s.bytesReceived ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'video') r.videoIn += Number(s.bytesReceived ?? 0);
        if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
          const pair = byId.get(s.selectedCandidatePairId);
          const local = pair && byId.get(pair.localCandidateId as string);
          const remote = pair && byId.get(pair.remoteCandidateId as string);
          if (local && remote) r.pairs.push(`${String(local.candidateType)}/${String(remote.candidateType)}`);
        }
      }
    }
    return r;
  });
}

/** Polls until `ok` holds for a reading of this page (or throws with the last reading). */
export async function waitRtc(page: Page, what: string, ok: (r: RtcReading) => boolean, timeoutMs = 20_000): Promise<RtcReading> {
  const deadline = Date.now() + timeoutMs;
  let last: RtcReading | null = null;
  while (Date.now() < deadline) {
    last = await readRtc(page);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; last reading ${JSON.stringify(last)}`);
}
