/**
 * The pieces of a MediaLink that touch a connection directly: what its senders send (warm or
 * live), its media path reading, and what PeerJS errors mean to us.
 */
import type { PeerErrorType } from 'peerjs';
import { ErrorCode } from '../protocol/index';
import type { PathReading } from './path-monitor';
import { readQos } from './qos';

export const ERROR_CODES: Partial<Record<`${PeerErrorType}`, ErrorCode>> = {
  'peer-unavailable': ErrorCode.NotFound,
  'unavailable-id': ErrorCode.PeerNotOwned,
  'invalid-id': ErrorCode.PeerNotOwned,
  'invalid-key': ErrorCode.Unauthorized,
  network: ErrorCode.Unavailable,
  'server-error': ErrorCode.Unavailable,
  'socket-error': ErrorCode.Unavailable,
  'socket-closed': ErrorCode.Unavailable,
  disconnected: ErrorCode.Unavailable,
};

/** Inbound bytes and ICE state of a connection; a connection still negotiating reads as nothing received. */
export async function readPath(pc: RTCPeerConnection | undefined): Promise<PathReading> {
  if (!pc) return { bytes: 0, ice: 'new' };
  const bytes = await readQos(pc, null).then(
    (r) => r.totals.bytes,
    () => 0,
  );
  return { bytes, ice: pc.iceConnectionState };
}

/** PeerJS errors that mean this id or token will never be accepted. */
export const FINAL_PEER_ERRORS: ReadonlySet<string> = new Set(['invalid-key', 'invalid-id', 'unavailable-id', 'browser-incompatible']);

/**
 * Each sender's encodings are active only while sending. PeerJS adds the tracks when it creates
 * the connection; this runs in the same task, before any answer can come back, so a warm
 * connection never sends a frame. The tracks stay attached, so the first frame after
 * `setSending(true)` goes out with no wait for the capture pipeline (measured: about half the
 * time of attaching the track then). Where encodings cannot be set, no track is attached instead.
 */
export function applySending(pc: RTCPeerConnection | undefined, localStream: MediaStream, on: boolean): void {
  if (!pc || pc.signalingState === 'closed') return;
  for (const t of pc.getTransceivers()) {
    if (t.currentDirection === 'stopped') continue;
    const s = t.sender;
    const local = localStream.getTracks().find((x) => x.kind === t.receiver.track.kind) ?? null;
    const params = s.getParameters();
    if (!params.encodings?.length) {
      if (s.track !== (on ? local : null)) s.replaceTrack(on ? local : null).catch(() => {});
      continue;
    }
    if (on && s.track !== local) s.replaceTrack(local).catch(() => {});
    if (params.encodings.every((e) => e.active === on)) continue;
    for (const e of params.encodings) e.active = on;
    s.setParameters(params).catch(() => {
      if (!on) s.replaceTrack(null).catch(() => {});
    });
  }
}

