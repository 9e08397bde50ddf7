import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTurn, type RunningTurn } from '../../turn/launch';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { expectConnected } from './support/checks';
import { readRtc, waitRtc, watchRtc, type RtcReading } from './support/rtc';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { sleep } from './support/util';

const warm = (r: RtcReading) => r.open === 1 && r.states[0] === 'connected';
const silent = (r: RtcReading) => r.audioIn === 0 && r.videoIn === 0;

/**
 * Pre-connect while ringing, in real Chromium: the shopper's widget and the ringing agent's
 * console negotiate their connection during the ring, and getStats() on both sides shows not one
 * inbound audio or video byte until accept. A decline closes the warm connection on both sides;
 * the next agent's ring warms a fresh one, and accepting it makes both remote videos play on
 * that same connection. Once directly, once through coturn with a relay-only policy.
 */
describe.each([
  { name: 'direct', relay: false },
  { name: 'relay-only (TURN)', relay: true },
])('pre-connect while ringing: $name', ({ relay }) => {
  let turn: RunningTurn | null = null;
  let stack: Stack;
  let shopperBrowser: Browser, aliceBrowser: Browser, bobBrowser: Browser;

  beforeAll(async () => {
    if (relay) {
      const secret = 'e2e-turn-secret-preconnect-0123';
      turn = await startTurn({ secret, host: '127.0.0.1', port: 0, allowLoopbackPeers: true, minPort: 50210, maxPort: 50400 });
      stack = await startStack({ TURN_SECRET: secret, TURN_URLS: turn.urls.join(','), ICE_TRANSPORT_POLICY: 'relay' });
    } else stack = await startStack();
    [shopperBrowser, aliceBrowser, bobBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true }), launchBrowser({ extension: true })]);
  });

  afterAll(async () => {
    await Promise.all([shopperBrowser, aliceBrowser, bobBrowser].map((b) => b?.close()));
    await stack?.close();
    await turn?.stop();
  });

  it('warms up with no media either way; decline closes it on both sides; the next ring warms afresh and accept plays both videos', async () => {
    const alice = await AgentSide.open(aliceBrowser, stack.shopUrl);
    const bob = await AgentSide.open(bobBrowser, stack.shopUrl);
    await alice.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await bob.signIn(stack.serverUrl, 'bob@counterpart.test', 'bob-demo-pass');
    await alice.setPresence('available');
    await bob.setPresence('away');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl);
    await Promise.all([watchRtc(shopper.page), watchRtc(alice.console), watchRtc(bob.console)]);

    // Alice's console rings: the connection comes up while she looks at the card.
    await shopper.startVideoCall();
    await alice.waitRing();
    await shopper.waitState('offered');
    const [s1, a1] = await Promise.all([waitRtc(shopper.page, 'shopper warm', warm), waitRtc(alice.console, 'alice warm', warm)]);
    if (relay) {
      const pairs = await waitRtc(shopper.page, 'a selected pair', (r) => r.pairs.length > 0);
      expect(pairs.pairs).toEqual(['relay/relay']);
    }
    // Connected for a while, and still not one byte of audio or video in either direction.
    await sleep(1500);
    const [s1b, a1b] = await Promise.all([readRtc(shopper.page), readRtc(alice.console)]);
    expect(s1b, 'shopper before accept').toMatchObject({ open: 1, audioIn: 0, videoIn: 0 });
    expect(a1b, 'alice before accept').toMatchObject({ open: 1, audioIn: 0, videoIn: 0 });
    expect(silent(s1) && silent(a1)).toBe(true);
    await shopper.waitState('offered');

    // Alice declines while warm: the connection closes on her side and on the shopper's.
    await alice.decline();
    await alice.waitNoRing();
    await Promise.all([waitRtc(shopper.page, 'shopper closed', (r) => r.open === 0), waitRtc(alice.console, 'alice closed', (r) => r.open === 0)]);
    // Waiting again, the shopper still sees their own camera preview.
    const preview = await (await shopper.localVideo()).evaluate((v) => (v.srcObject as MediaStream | null)?.getVideoTracks().map((t) => t.readyState) ?? []);
    expect(preview, 'the preview camera after the decline').toEqual(['live']);

    // Bob comes to the desk: his ring warms a fresh connection (a new one on the shopper's side), Alice has none.
    // (Not setPresence: the console goes from available to ringing at once, the state may never show.)
    await bob.pressPresence('available');
    await bob.waitRing();
    const [s2, b2] = await Promise.all([waitRtc(shopper.page, 'shopper warm again', warm), waitRtc(bob.console, 'bob warm', warm)]);
    expect(s2.made).toBe(s1.made + 1);
    expect(silent(s2) && silent(b2)).toBe(true);
    expect((await readRtc(alice.console)).open).toBe(0);
    await sleep(500);
    expect(silent(await readRtc(shopper.page)) && silent(await readRtc(bob.console))).toBe(true);

    // Bob accepts: both remote videos play, over the warm connection (no new one on either side).
    await bob.accept();
    await expectConnected(bob, shopper);
    const [s3, b3] = await Promise.all([readRtc(shopper.page), readRtc(bob.console)]);
    expect(s3).toMatchObject({ made: s2.made, open: 1 });
    expect(b3).toMatchObject({ made: b2.made, open: 1 });
    expect(s3.videoIn).toBeGreaterThan(0);
    expect(s3.audioIn).toBeGreaterThan(0);
    expect(b3.videoIn).toBeGreaterThan(0);
    expect(b3.audioIn).toBeGreaterThan(0);
    if (relay) expect([...s3.pairs, ...b3.pairs]).toEqual(['relay/relay', 'relay/relay']);

    await bob.hangup();
    await shopper.waitState('ended');
  });
});
