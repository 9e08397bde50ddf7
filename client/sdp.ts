/**
 * SDP adjustments made through PeerJS's `sdpTransform` hook. No imports: pure text in, text out.
 */

const VIDEO_CODECS = /^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\/90000$/i;
const PARAM = 'x-google-start-bitrate';

/**
 * Starts video at `kbps` instead of Chromium's 300 kbps: at 300 the encoder's first frames are
 * dropped or halved in size until the bandwidth estimate catches up, which is most of the time
 * between attaching a track and the first frame on the other side. Bandwidth estimation still
 * lowers it at once on a poorer path. Browsers other than Chromium ignore the parameter.
 */
export function withStartBitrate(sdp: string, kbps: number): string {
  const eol = !sdp.includes('\r\n') && sdp.includes('\n') ? '\n' : '\r\n';
  const lines = sdp.split(eol);
  const video = new Set<string>();
  for (const l of lines) {
    const m = VIDEO_CODECS.exec(l);
    if (m) video.add(m[1]!);
  }
  if (video.size === 0 || !Number.isFinite(kbps) || kbps <= 0) return sdp;
  const value = `${PARAM}=${Math.round(kbps)}`;
  const withFmtp = new Set<string>();
  const out = lines.map((l) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (!m || !video.has(m[1]!)) return l;
    withFmtp.add(m[1]!);
    const params = m[2]!.split(';').filter((p) => p.trim() && !p.trim().startsWith(`${PARAM}=`));
    return `a=fmtp:${m[1]} ${[...params, value].join(';')}`;
  });
  // Codecs with no fmtp line get one, right after their rtpmap.
  const result: string[] = [];
  for (const l of out) {
    result.push(l);
    const m = VIDEO_CODECS.exec(l);
    if (m && !withFmtp.has(m[1]!)) result.push(`a=fmtp:${m[1]} ${value}`);
  }
  return result.join(eol);
}
