/**
 * The frames `npm run bench:signaling` relays: what a PeerJS client sends in a video call, an
 * OFFER and an ANSWER with a real browser's SDP (audio + video, BUNDLE) and trickled CANDIDATEs.
 */

/** The lines every BUNDLEd m-section repeats, as browsers write them. */
const transport = (kind: 'offer' | 'answer') => [
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Qx7b',
  'a=ice-pwd:3lQmXw1b6m8dQh0o2p9R4sT7',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 5B:4D:1E:77:0C:9A:3F:62:8E:21:B4:D0:6A:11:C3:58:92:FE:07:4B:AD:36:E9:18:7C:50:2F:83:C6:9D:E4:01',
  `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
];

const SDP = (kind: 'offer' | 'answer') =>
  [
    'v=0',
    `o=- 46117314${kind === 'offer' ? '1' : '2'}2811223344 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 4f1c2a7e-9b7d-4c1e-8a55-2d9e1b0c6f33',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    ...transport(kind),
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=sendrecv',
    'a=msid:4f1c2a7e-9b7d-4c1e-8a55-2d9e1b0c6f33 7d2c1b0a-1111-4a4a-9c9c-0e0e0e0e0e0e',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1001 cname:k3JbQ9mT2pX8vR4a',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105',
    ...transport(kind),
    'a=mid:1',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 goog-remb',
    'a=rtcp-fb:96 transport-cc',
    'a=rtcp-fb:96 ccm fir',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    'a=ssrc-group:FID 2002 2003',
    'a=ssrc:2002 cname:k3JbQ9mT2pX8vR4a',
    'a=ssrc:2003 cname:k3JbQ9mT2pX8vR4a',
    '',
  ].join('\r\n');
const SDP_OFFER = SDP('offer');
const SDP_ANSWER = SDP('answer');

/** The n-th frame of a socket's stream: per 10, one OFFER, one ANSWER and eight CANDIDATEs. */
export function frame(dst: string, n: number): string {
  const connectionId = `mc_${n}`;
  const k = n % 10;
  if (k === 0) return JSON.stringify({ type: 'OFFER', dst, payload: { sdp: { type: 'offer', sdp: SDP_OFFER }, type: 'media', connectionId, browser: 'chrome' } });
  if (k === 1) return JSON.stringify({ type: 'ANSWER', dst, payload: { sdp: { type: 'answer', sdp: SDP_ANSWER }, type: 'media', connectionId, browser: 'chrome' } });
  return JSON.stringify({
    type: 'CANDIDATE',
    dst,
    payload: { candidate: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 }, type: 'media', connectionId },
  });
}
