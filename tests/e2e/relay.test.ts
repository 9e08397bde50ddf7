import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTurn, type RunningTurn } from '../../turn/launch';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { expectConnected } from './support/checks';

/** The same call forced through coturn (iceTransportPolicy 'relay') with minted TURN credentials. */
describe('a call relayed through TURN', () => {
  let turn: RunningTurn;
  let stack: Stack;
  let shopperBrowser: Browser, agentBrowser: Browser;

  beforeAll(async () => {
    const secret = 'e2e-turn-secret-0123456789';
    turn = await startTurn({ secret, host: '127.0.0.1', port: 0, allowLoopbackPeers: true, minPort: 50000, maxPort: 50200 });
    stack = await startStack({ TURN_SECRET: secret, TURN_URLS: turn.urls.join(','), ICE_TRANSPORT_POLICY: 'relay' });
    [shopperBrowser, agentBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true })]);
  });

  afterAll(async () => {
    await Promise.all([shopperBrowser, agentBrowser].map((b) => b?.close()));
    await stack?.close();
    await turn?.stop();
  });

  it('connects with a relay candidate pair on both ends', async () => {
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl);
    await shopper.startVideoCall();
    await agent.waitRing();
    await agent.accept();
    await expectConnected(agent, shopper);

    // Each end reports its getStats() reading every 2 s, selected pair's candidate types included.
    const db = stack.server.db;
    const deadline = Date.now() + 20_000;
    let rows: { from_role: string; local_candidate: string | null; remote_candidate: string | null }[] = [];
    while (Date.now() < deadline) {
      rows = await db('conversation_qos').select('from_role', 'local_candidate', 'remote_candidate').whereNotNull('local_candidate');
      if (new Set(rows.map((r) => r.from_role)).size === 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const role of ['agent', 'shopper']) {
      const mine = rows.filter((r) => r.from_role === role);
      expect(mine.length, `${role} reported the selected pair`).toBeGreaterThan(0);
      expect(mine.every((r) => r.local_candidate === 'relay'), `${role} local candidates: ${mine.map((r) => r.local_candidate)}`).toBe(true);
      expect(mine.every((r) => r.remote_candidate === 'relay'), `${role} remote candidates: ${mine.map((r) => r.remote_candidate)}`).toBe(true);
    }
    await agent.hangup();
    await shopper.waitState('ended');
  });
});
