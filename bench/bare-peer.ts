/**
 * Browser side of the bare PeerJS baseline (bundled with esbuild by bench/call.ts and served
 * to two plain Chromium instances). No product code but the shared "video is playing" check
 * (client/media.ts): the `peerjs` npm package, a stock PeerServer, fake media, `iceServers: []`.
 *
 *   prepare(id)   open a fresh Peer with this id and get camera+mic (untimed pre-warm)
 *   place(remote) the accepting side calls the other peer; resolves with the epoch ms of
 *                 `peer.call()` and of its remote <video> playing (videoWidth > 0, not paused)
 *   playedAt()    the epoch ms the callee's remote <video> started playing (null until then)
 *   reset()       close the call and the Peer, stop the tracks
 * Epoch ms (timeOrigin + now) so that two browsers on one machine compare.
 */
import { Peer, type MediaConnection } from 'peerjs';
import { playStream } from '../client/media';

type Server = { host: string; port: number };

let peer: Peer | null = null;
let local: MediaStream | null = null;
let media: MediaConnection | null = null;
let calleePlayed: number | null = null;
const epoch = () => performance.timeOrigin + performance.now();
const video = document.createElement('video');
video.muted = true;
video.playsInline = true;
video.autoplay = true;
document.body.append(video);

async function prepare(id: string, server: Server): Promise<void> {
  local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const p = new Peer(id, { host: server.host, port: server.port, path: '/', secure: false, debug: 0, config: { iceServers: [] } });
  await new Promise<void>((resolve, reject) => {
    p.once('open', () => resolve());
    p.once('error', (err) => reject(new Error(`peer error: ${err.type}`)));
  });
  p.on('error', () => {});
  p.on('call', (call) => {
    media = call;
    call.answer(local!);
    // The callee shows the caller too, like the product's shopper does.
    let got = false;
    call.on('stream', (stream) => {
      if (got) return; // PeerJS emits once per track
      got = true;
      void playStream(video, stream).then(() => (calleePlayed = epoch()));
    });
  });
  peer = p;
}

function place(remoteId: string): Promise<{ calledAt: number; playedAt: number }> {
  if (!peer || !local) throw new Error('not prepared');
  const t0 = epoch();
  const call = peer.call(remoteId, local);
  media = call;
  return new Promise((resolve, reject) => {
    let got = false;
    call.on('stream', (stream) => {
      if (got) return; // PeerJS emits once per track
      got = true;
      void playStream(video, stream).then(() => resolve({ calledAt: t0, playedAt: epoch() }));
    });
    call.on('error', (err) => reject(new Error(`media connection: ${err.message}`)));
  });
}

function reset(): void {
  calleePlayed = null;
  media?.close();
  media = null;
  peer?.destroy();
  peer = null;
  for (const t of local?.getTracks() ?? []) t.stop();
  local = null;
  video.srcObject = null;
}

Object.assign(window, { bench: { prepare, place, playedAt: () => calleePlayed, reset } });
document.title = 'bare-ready';
