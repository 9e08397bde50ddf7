import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';
import { sleep } from './support/util';

/** Staff tokens live 4 s here: the console and the dashboard must renew them to keep working. */
describe('short-lived staff sessions', () => {
  const TTL_S = 4;
  let stack: Stack;
  let agentBrowser: Browser, shopperBrowser: Browser, supervisorBrowser: Browser;

  beforeAll(async () => {
    stack = await startStack({ STAFF_TOKEN_TTL_SECONDS: String(TTL_S) });
    [agentBrowser, shopperBrowser, supervisorBrowser] = await Promise.all([launchBrowser({ extension: true }), launchBrowser(), launchBrowser()]);
  });

  afterAll(async () => {
    await Promise.all([agentBrowser, shopperBrowser, supervisorBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  it('keeps the agent and the supervisor signed in past the first token’s expiry', async () => {
    const supervisor = await SupervisorPage.open(supervisorBrowser, stack.serverUrl, 'sam@counterpart.test', 'sam-demo-pass');
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    await sleep((TTL_S + 2) * 1000); // both first tokens are now expired

    // The dashboard reloads from its stored session: it must hold a renewed token.
    await supervisor.page.reload();
    await supervisor.waitAgentState('alice@counterpart.test', 'available');

    // Accepting needs fresh REST calls (peer credentials, call context) with the agent's token.
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1 });
    await shopper.startVideoCall();
    await agent.waitRing();
    await agent.accept();
    await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
    await agent.waitOverlay('[data-testid=context-order]');
    await agent.hangup();
    await shopper.waitState('ended');
  });
});
