import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationRecord, LoginResponse, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { expectConnected } from './support/checks';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';
import { videoProgress } from './support/util';

/** The walking skeleton: shopper (widget) ↔ agent (extension) video call, watched by a supervisor. */
describe('a shopper ↔ agent video call', () => {
  let stack: Stack;
  let shopperBrowser: Browser, agentBrowser: Browser, supervisorBrowser: Browser;

  beforeAll(async () => {
    stack = await startStack({ WRAP_UP_MS: '60000' });
    [shopperBrowser, agentBrowser, supervisorBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true }), launchBrowser()]);
  });

  afterAll(async () => {
    await Promise.all([shopperBrowser, agentBrowser, supervisorBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  it('rings the agent with context, connects media and data both ways, survives admin navigation, and records the call', async () => {
    const supervisor = await SupervisorPage.open(supervisorBrowser, stack.serverUrl, 'sam@counterpart.test', 'sam-demo-pass');
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    await supervisor.waitAgentState('alice@counterpart.test', 'available');

    // Anna Schmidt (customer 1) is signed in to the shop and looks at the oak serving board.
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1, product: 'oak-serving-board' });
    await shopper.startVideoCall();

    const ring = await agent.waitRing();
    expect(ring.customer).toBe('Anna Schmidt');
    expect(ring.product).toContain('Oak Serving Board');
    await shopper.waitState('offered');
    await agent.waitOverlay('[data-testid=overlay-ring]');
    await agent.accept();

    await expectConnected(agent, shopper);

    // Chat goes through the server, stored, a message each way.
    await agent.sendChat('Hello Anna, how can I help?');
    await shopper.waitChat('Hello Anna, how can I help?');
    await shopper.sendChat('Is the board food safe?');
    await agent.waitChat('Is the board food safe?');

    // The supervisor sees the agent busy and the call with live QoS.
    await supervisor.waitAgentState('alice@counterpart.test', 'busy');
    const callId = await supervisor.waitCallWithQos(1);
    expect(await supervisor.chartPoints()).toBeGreaterThan(0);

    // The overlay on the admin page shows the caller and their latest order.
    await agent.waitOverlay('[data-testid=overlay-call][data-phase=in-call]');
    const order = await agent.waitOverlay('[data-testid=context-order]');
    expect(await order.evaluate((e) => e.getAttribute('data-order-id'))).toBe('1010');

    // Mid-call the agent opens an order from the list: the call keeps running, the overlay comes back.
    await agent.admin.click('a[href="/admin/orders/1007"]');
    await agent.admin.waitForFunction(() => location.pathname === '/admin/orders/1007');
    await agent.waitOverlay('[data-testid=overlay-call][data-phase=in-call]');
    expect(await agent.admin.evaluate(() => location.pathname)).toBe('/admin/orders/1007');
    const afterNav = await videoProgress(await agent.remoteVideo());
    expect(afterNav.after).toBeGreaterThan(afterNav.before);
    // Back and forward (the back/forward cache keeps the page): the overlay reconnects to the console.
    await agent.admin.goBack();
    await agent.waitOverlay('[data-testid=overlay-call][data-phase=in-call]');
    await agent.admin.goForward();
    await agent.waitOverlay('[data-testid=overlay-call][data-phase=in-call]');

    // The compact controls drive the call: the agent hangs up from the overlay.
    await (await agent.waitOverlay('[data-testid=overlay-hangup]')).click();
    await shopper.waitState('ended');
    // The overlay never shows a conversation that has ended: the agent wraps up (no offers) until Ready.
    await agent.waitOverlay('[data-testid=overlay][data-state=wrap_up]');
    expect(await shopper.statusText()).toContain('agent ended the conversation');
    await supervisor.waitNoCall(callId);
    await supervisor.waitAgentState('alice@counterpart.test', 'wrap_up');
    // It counts down from the configured 60 s.
    const [, m, s] = /offers resume in (\d+):(\d\d)$/.exec(await agent.wrapUpTitle()) ?? [];
    expect(Number(m) * 60 + Number(s)).toBeGreaterThan(30);
    await agent.ready();
    await agent.waitOverlay('[data-testid=overlay][data-state=available]');
    await supervisor.waitAgentState('alice@counterpart.test', 'available');

    const login = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    const rec = await apiRequest(stack.serverUrl, `/api/conversations/${callId}`, ConversationRecord, { token: login.token });
    const times = [rec.requestedAt, rec.offeredAt, rec.answeredAt, rec.mediaSessions[0]?.connectedAt, rec.endedAt];
    for (const t of times) expect(t).toBeTruthy();
    const ms = times.map((t) => Date.parse(t!));
    expect([...ms].sort((a, b) => a - b)).toEqual(ms);
    expect(rec.endedBy).toBe('agent');
    expect(rec.endReason).toBe('hangup');
    expect(rec.customerName).toBe('Anna Schmidt');
    expect(rec.productName).toBe('Oak Serving Board');
    expect(rec.qosSamples).toBeGreaterThan(0);
    expect(rec.messages).toBe(2);
  });
});
