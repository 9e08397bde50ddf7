import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { expectConnected } from './support/checks';
import { sleep } from './support/util';

/** Short enough to wait out in a test, long enough for an agent's console to accept on a busy machine. */
const RING_TIMEOUT_MS = 6_000;

/** Routing between two agents: decline and ring timeout pass the call on; with nobody available it waits. */
describe('call routing between agents', () => {
  let stack: Stack;
  let shopperBrowser: Browser, aliceBrowser: Browser, bobBrowser: Browser;
  let alice: AgentSide, bob: AgentSide;
  let shopper: ShopperPage | null = null;

  beforeAll(async () => {
    // One missed ring sets an agent away here (the default is two in a row: tests/integration/routing.test.ts).
    stack = await startStack({ RING_TIMEOUT_MS: String(RING_TIMEOUT_MS), MISSED_RINGS_AWAY: '1' });
    [shopperBrowser, aliceBrowser, bobBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true }), launchBrowser({ extension: true })]);
    [alice, bob] = await Promise.all([AgentSide.open(aliceBrowser, stack.shopUrl), AgentSide.open(bobBrowser, stack.shopUrl)]);
    await Promise.all([
      alice.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass'),
      bob.signIn(stack.serverUrl, 'bob@counterpart.test', 'bob-demo-pass'),
    ]);
  });

  afterEach(async () => {
    // Each test leaves no live call behind: the shopper's page goes, and with it any call it had.
    await shopper?.page.close();
    shopper = null;
  });

  afterAll(async () => {
    await Promise.all([shopperBrowser, aliceBrowser, bobBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  const name = (a: AgentSide) => (a === alice ? 'alice' : 'bob');
  const other = (a: AgentSide) => (a === alice ? bob : alice);

  /** Polls both consoles until one shows a ring card; returns that agent. */
  async function firstToRing(timeout = 30_000): Promise<AgentSide> {
    const until = Date.now() + timeout;
    while (Date.now() < until) {
      const [a, b] = await Promise.all([alice.hasRing(), bob.hasRing()]);
      if (a && b) throw new Error('both agents ring for one call');
      if (a) return alice;
      if (b) return bob;
      await sleep(100);
    }
    throw new Error('no agent rang');
  }

  async function bothAvailable(): Promise<void> {
    await Promise.all([alice.setPresence('available'), bob.setPresence('available')]);
  }

  async function openShopper(): Promise<ShopperPage> {
    shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1, product: 'oak-serving-board' });
    return shopper;
  }

  /** The shopper hangs up: the widget ends, the agent's console has no call and is available again. */
  async function hangUp(agent: AgentSide, s: ShopperPage): Promise<void> {
    await s.hangup();
    await s.waitState('ended');
    await agent.waitNoCall();
    await agent.waitState('available');
  }

  it('a declined call rings the next agent, who answers', async () => {
    await bothAvailable();
    const s = await openShopper();
    await s.startVideoCall();

    const first = await firstToRing();
    const second = other(first);
    await s.waitState('offered');
    expect(await second.hasRing(), `${name(second)} rings too`).toBe(false);
    await first.waitState('ringing');

    await first.decline();
    await first.waitNoRing();
    expect(await first.waitNotice('declined')).toContain('You declined the request.');

    const ring = await second.waitRing();
    expect(ring.customer).toBe('Anna Schmidt');
    // Anna is VIP 2 by the shop's customer meta; she asked before buying, in English (the widget's defaults).
    expect(ring.vip).toBe('VIP 2');
    expect(ring.need).toBe('Before buying · English');
    expect(await first.hasRing()).toBe(false);
    await first.waitState('available');
    await second.accept();

    await expectConnected(second, s);
    expect(await first.hasRing()).toBe(false);
    expect(await first.state()).toBe('available');
    await second.waitState('busy');

    await hangUp(second, s);
    await first.waitState('available');
  });

  it('an unanswered ring times out: that agent goes away, the next agent rings and answers', async () => {
    await bothAvailable();
    const s = await openShopper();
    await s.startVideoCall();

    const first = await firstToRing();
    const second = other(first);
    expect(await second.hasRing(), `${name(second)} rings too`).toBe(false);

    // The first agent does nothing: after the ring timeout the call moves on.
    const ring = await second.waitRing(RING_TIMEOUT_MS + 30_000);
    expect(ring.customer).toBe('Anna Schmidt');
    await first.waitNoRing();
    await first.waitState('away');
    expect(await first.waitNotice('missed')).toContain('your status is now Away');

    await second.accept();
    await expectConnected(second, s);
    expect(await first.hasRing()).toBe(false);
    expect(await first.state()).toBe('away');

    await hangUp(second, s);
    // Known state for the next test: both available again.
    await bothAvailable();
  });

  it('with no agent available the shopper waits, and is rung through once an agent becomes available', async () => {
    await Promise.all([alice.setPresence('away'), bob.setPresence('away')]);
    const s = await openShopper();
    await s.startVideoCall();

    // Waiting: and since nobody is available, it says so rather than showing a place in line.
    expect(await s.waitSettled()).toEqual({ state: 'no-agent', text: expect.stringMatching(/no agent is available/i) });

    // It keeps waiting: nobody rings while everyone is away.
    await sleep(2_500);
    expect(await s.state()).toBe('no-agent');
    expect(await alice.hasRing()).toBe(false);
    expect(await bob.hasRing()).toBe(false);

    // Bob comes back: the waiting call rings him at once (his state may go straight to ringing).
    await bob.pressPresence('available');
    await bob.waitRing();
    expect(await alice.hasRing()).toBe(false);
    await s.waitState('offered', 'connecting', 'in-call');
    await bob.accept();

    await expectConnected(bob, s);
    expect(await alice.state()).toBe('away');

    await hangUp(bob, s);
    await alice.setPresence('available');
  });
});
