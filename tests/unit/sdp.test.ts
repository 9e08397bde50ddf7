import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withStartBitrate } from '../../client/sdp';

const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  '',
].join('\r\n');

describe('withStartBitrate', () => {
  it('adds the start bitrate to every video codec (a new fmtp line where there was none), nothing else', () => {
    const out = withStartBitrate(OFFER, 1000).split('\r\n');
    expect(out).toContain('a=fmtp:96 x-google-start-bitrate=1000');
    expect(out.indexOf('a=fmtp:96 x-google-start-bitrate=1000')).toBe(out.indexOf('a=rtpmap:96 VP8/90000') + 1);
    expect(out).toContain('a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1000');
    // Audio and retransmission payloads are left alone.
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(out).toContain('a=fmtp:97 apt=96');
    expect(out.length).toBe(OFFER.split('\r\n').length + 1);
  });

  it('replaces a start bitrate already there, and is idempotent', () => {
    const once = withStartBitrate(OFFER, 800);
    expect(withStartBitrate(once, 800)).toBe(once);
    expect(withStartBitrate(once, 1200)).toBe(withStartBitrate(OFFER, 1200));
  });

  it('leaves SDP without video, and nonsense bitrates, unchanged', () => {
    const audioOnly = OFFER.split('m=video')[0]!;
    expect(withStartBitrate(audioOnly, 1000)).toBe(audioOnly);
    expect(withStartBitrate(OFFER, 0)).toBe(OFFER);
    expect(withStartBitrate(OFFER, Number.NaN)).toBe(OFFER);
  });

  it('property: only video codecs gain the parameter, every other line is kept in order, and it is idempotent', () => {
    const line = fc.oneof(
      fc.constantFrom('a=rtpmap:96 VP8/90000', 'a=rtpmap:100 VP9/90000', 'a=fmtp:96 x=1', 'a=fmtp:100 profile-id=0', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10', 'm=video 9 UDP 96'),
      fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s) && !s.startsWith('a=')),
    );
    const added = /^a=fmtp:\d+ x-google-start-bitrate=\d+$/;
    const strip = (lines: string[]) => lines.filter((l) => !added.test(l)).map((l) => l.replace(/;x-google-start-bitrate=\d+$/, ''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 10_000 }), (lines, kbps) => {
        const out = withStartBitrate(lines.join('\r\n'), kbps);
        expect(strip(out.split('\r\n'))).toEqual(lines.join('\r\n').split('\r\n'));
        expect(withStartBitrate(out, kbps)).toBe(out);
        for (const pt of ['96', '100'])
          if (lines.includes(`a=rtpmap:${pt} ${pt === '96' ? 'VP8' : 'VP9'}/90000`)) expect(out).toMatch(new RegExp(`a=fmtp:${pt} (.*;)?x-google-start-bitrate=${kbps}(\r\n|$)`));
        expect(out).not.toMatch(/a=fmtp:111 .*x-google/);
      }),
    );
  });
});
