/**
 * Browser side of the bare PeerJS baseline (bundled with esbuild by bench/call.ts and served
 * to two plain Chromium instances). No product code but the shared "video is playing" check
 * (client/media.ts): the `peerjs` npm package, a stock PeerServer, fake media, `iceServers: []`.
 *
 *   prepare(id)   open a fresh Peer with this id and get camera+mic (untimed pre-warm)
 *   place(remote) the accepting side calls the other peer and resolves with the ms from
 *                 `peer.call()` to the remote <video> playing (videoWidth > 0 and not paused)
 *   reset()       close the call and the Peer, stop the tracks
 */
import { Peer, type MediaConnection } from 'peerjs';
import { playStream } from '../client/media';

type Server = { host: string; port: number };

let peer: Peer | null = null;
let local: MediaStream | null = null;
let media: MediaConnection | null = null;
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
    call.on('stream', (stream) => void playStream(video, stream));
  });
  peer = p;
}

function place(remoteId: string): Promise<number> {
  if (!peer || !local) throw new Error('not prepared');
  const t0 = performance.now();
  const call = peer.call(remoteId, local);
  media = call;
  return new Promise<number>((resolve, reject) => {
    let got = false;
    call.on('stream', (stream) => {
      if (got) return; // PeerJS emits once per track
      got = true;
      void playStream(video, stream).then(() => resolve(performance.now() - t0));
    });
    call.on('error', (err) => reject(new Error(`media connection: ${err.message}`)));
  });
}

function reset(): void {
  media?.close();
  media = null;
  peer?.destroy();
  peer = null;
  for (const t of local?.getTracks() ?? []) t.stop();
  local = null;
  video.srcObject = null;
}

Object.assign(window, { bench: { prepare, place, reset } });
document.title = 'bare-ready';
