/**
 * bench:call's product side: the real Counterpart — server, widget on the demo shop, console in
 * the built extension — with pre-connect while ringing. Each call: the shopper starts a video
 * call on a fresh storefront page, the console rings and warms up, the think time passes, the
 * agent clicks Accept; timed from that click to the later of the two sides' remote video playing,
 * from the pages' own performance marks (epoch ms, so two browsers on one machine compare).
 */
import type { Browser, Page } from 'puppeteer-core';
import { startTurn, type RunningTurn } from '../turn/launch';
import { AgentSide } from '../tests/e2e/support/agent';
import { launchBrowser } from '../tests/e2e/support/browser';
import { readRtc, watchRtc } from '../tests/e2e/support/rtc';
import { ShopperPage } from '../tests/e2e/support/shopper';
import { startStack, type Stack } from '../tests/e2e/support/stack';
import { sleep, videoProgress } from '../tests/e2e/support/util';
import type { CallResult } from './call-stats';

/** Epoch ms of the latest performance mark of each name whose detail is this conversation. */
function marks(page: Page, conversationId: string): Promise<Record<string, number>> {
  return page.evaluate((id) => {
    const out: Record<string, number> = {};
    for (const m of performance.getEntriesByType('mark') as PerformanceMark[])
      if (m.name.startsWith('counterpart:') && m.detail === id) out[m.name.slice('counterpart:'.length)] = performance.timeOrigin + m.startTime;
    return out;
  }, conversationId);
}

/**
 * BENCH_TRACE: from just before Accept, each page hooks requestVideoFrameCallback on its remote
 * video (any <video> showing a track its connections receive) and keeps, for the first frame
 * presented, when its last packet arrived (`receiveTime`) and when it was presented, in epoch ms:
 * the network and decode side of the milliseconds between Accept and playing. A hidden element
 * presents nothing, so a presentation time can come late; `receiveTime` does not. A string: see
 * tests/e2e/support/rtc.ts.
 */
const TRACE = `(() => {
  const t = {};
  const o = performance.timeOrigin;
  const remote = (v) => {
    const s = v.srcObject;
    const track = s && s.getVideoTracks ? s.getVideoTracks()[0] : null;
    return track && (window.__cpPcs || []).some((pc) => pc.getReceivers().some((r) => r.track === track));
  };
  const hooked = new WeakSet();
  const iv = setInterval(() => {
    for (const v of document.querySelectorAll('video')) {
      if (hooked.has(v) || !remote(v)) continue;
      hooked.add(v);
      v.requestVideoFrameCallback((now, md) => {
        if (t.presented) return;
        t.presented = o + now;
        if (md.receiveTime) t.received = o + md.receiveTime;
      });
    }
  }, 2);
  setTimeout(() => clearInterval(iv), 3000);
  window.__cpTrace = t;
})()`;
const TRACING = Boolean(process.env.BENCH_TRACE);
const readTrace = (page: Page) => page.evaluate('window.__cpTrace || {}') as Promise<Record<string, number>>;

export class ProductRunner {
  private first = true;

  private constructor(
    private readonly stack: Stack,
    private readonly agent: AgentSide,
    private readonly shopperBrowser: Browser,
    private readonly closeAll: () => Promise<void>,
  ) {}

  /** A stack of its own; `relay`: coturn on loopback and ICE_TRANSPORT_POLICY=relay (every call through TURN). */
  static async start(opts: { relay: boolean }): Promise<ProductRunner> {
    let turn: RunningTurn | null = null;
    if (opts.relay) {
      const secret = `bench-turn-secret-${process.pid}-0123456789`;
      turn = await startTurn({ secret, host: '127.0.0.1', port: 0, allowLoopbackPeers: true, minPort: 50500, maxPort: 50900 });
    }
    const stack = await startStack(turn ? { TURN_SECRET: `bench-turn-secret-${process.pid}-0123456789`, TURN_URLS: turn.urls.join(','), ICE_TRANSPORT_POLICY: 'relay' } : {});
    const [shopperBrowser, agentBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true })]);
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    await watchRtc(agent.console);
    return new ProductRunner(stack, agent, shopperBrowser, async () => {
      await Promise.all([shopperBrowser, agentBrowser].map((b) => b.close().catch(() => {})));
      await stack.close().catch(() => {});
      await turn?.stop();
    });
  }

  async call(thinkMs: number): Promise<CallResult> {
    const { agent, stack } = this;
    let shopper: ShopperPage | null = null;
    try {
      // A fresh storefront page per call; Anna Schmidt signs in to the shop on the first one.
      shopper = await ShopperPage.open(this.shopperBrowser, stack.shopUrl, this.first ? { customerId: 1 } : {});
      this.first = false;
      await watchRtc(shopper.page);
      await shopper.startVideoCall();
      await agent.waitRing();
      await shopper.waitState('offered');
      const conversationId = await shopper.page.evaluate(() => {
        for (let i = 0; i < localStorage.length; i++) {
          const v = localStorage.getItem(localStorage.key(i)!);
          const id = v && (JSON.parse(v) as { conversationId?: string }).conversationId;
          if (id) return id;
        }
        return null;
      });
      if (!conversationId) throw new Error('no conversation id in the widget storage');
      await sleep(thinkMs);
      const warm = (await readRtc(agent.console)).states.includes('connected') && (await readRtc(shopper.page)).states.includes('connected');
      if (TRACING) await Promise.all([shopper.page.evaluate(TRACE), agent.console.evaluate(TRACE)]);
      await agent.accept();
      await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
      // Playing means frames keep coming, not one frame: currentTime advances on both sides.
      const [a, s] = await Promise.all([videoProgress(await agent.remoteVideo(), 400), videoProgress(await shopper.remoteVideo(), 400)]);
      if (!(a.after > a.before && s.after > s.before)) throw new Error('a remote video stopped after its first frame');
      const [am, sm] = await Promise.all([marks(agent.console, conversationId), marks(shopper.page, conversationId)]);
      if (process.env.BENCH_DEBUG) {
        const dbg = (page: Page) => page.evaluate(async () => {
          const out: string[] = [];
          for (const pc of (window as unknown as { __cpPcs: RTCPeerConnection[] }).__cpPcs.filter((p) => p.signalingState !== 'closed')) {
            (await pc.getStats()).forEach((x: Record<string, unknown>) => {
              if (x.type === 'outbound-rtp' && x.kind === 'video') out.push(`out ${x.frameWidth} enc=${x.framesEncoded} ql=${x.qualityLimitationReason} tgt=${x.targetBitrate}`);
              if (x.type === 'inbound-rtp' && x.kind === 'video') out.push(`in ${x.frameWidth} dec=${x.framesDecoded} kf=${x.keyFramesDecoded} fir=${x.firCount} pli=${x.pliCount}`);
            });
            out.push(pc.localDescription?.sdp.includes('x-google-start-bitrate') ? 'sb:yes' : 'sb:no');
          }
          return out.join(' | ');
        });
        process.stderr.write(`  agent: ${await dbg(agent.console)}\n  shopper: ${await dbg(shopper.page)}\n`);
      }
      const t0 = am.accept;
      if (t0 === undefined || am['remote-playing'] === undefined || sm['remote-playing'] === undefined) throw new Error(`marks missing: agent ${Object.keys(am)}, shopper ${Object.keys(sm)}`);
      const at = (x: number | undefined) => (x === undefined ? NaN : x - t0);
      const [aTrace, sTrace] = TRACING ? await Promise.all([readTrace(agent.console), readTrace(shopper.page)]) : [{}, {}];
      const traced: [string, number][] = TRACING
        ? [
            ["shopper: agent's first frame received (rVFC receiveTime)", at(sTrace.received)],
            ["shopper: agent's first frame presented", at(sTrace.presented)],
            ["agent: shopper's first frame received (rVFC receiveTime)", at(aTrace.received)],
            ["agent: shopper's first frame presented", at(aTrace.presented)],
          ]
        : [];
      const timeline: [string, number][] = [
        [`agent clicks Accept (warm connection ${warm ? 'up' : 'NOT up'})`, 0],
        ['agent: conversation active, tracks attached', at(am.sending)],
        ['shopper: conversation active, tracks attached', at(sm.sending)],
        ...traced,
        ["agent: shopper's video playing", at(am['remote-playing'])],
        ["shopper: agent's video playing", at(sm['remote-playing'])],
      ];
      return { ms: Math.max(am['remote-playing'], sm['remote-playing']) - t0, timeline: timeline.sort((x, y) => (Number.isNaN(x[1]) ? 1 : Number.isNaN(y[1]) ? -1 : x[1] - y[1])) };
    } finally {
      await agent.hangup().catch(() => {});
      await agent.decline().catch(() => {});
      await agent.waitState('available').catch(() => {});
      await shopper?.page.close().catch(() => {});
    }
  }

  close(): Promise<void> {
    return this.closeAll();
  }
}
