import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationRecord, ConversationState, LoginResponse, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { expectConnected } from './support/checks';
import { startProcessStack, type ProcessStack } from './support/process-stack';
import { ShopperPage } from './support/shopper';
import { videoProgress } from './support/util';

/** The server dies (SIGKILL) mid-call and comes back: media never stopped, chat and record intact. */
describe('a server killed mid-call', () => {
  let stack: ProcessStack;
  let shopperBrowser: Browser, agentBrowser: Browser;

  beforeAll(async () => {
    stack = await startProcessStack({ RECONNECT_GRACE_MS: '30000' });
    [shopperBrowser, agentBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true })]);
  });
  afterAll(async () => {
    await Promise.all([shopperBrowser, agentBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  it('keeps the peer-to-peer media flowing, resumes the chat, and records the whole conversation', async () => {
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1 });
    await shopper.startVideoCall();
    await agent.waitRing();
    await agent.accept();
    await expectConnected(agent, shopper);
    await shopper.sendChat('Before the crash');
    await agent.waitChat('Before the crash');
    const id = await shopper.page.evaluate(() => (JSON.parse(localStorage.getItem('counterpart:demo-shop') ?? '{}') as { conversationId: string }).conversationId);

    await stack.kill();
    // Nothing of the call needs the server: both videos keep playing while it is down.
    const [agentSees, shopperSees] = await Promise.all([videoProgress(await agent.remoteVideo()), videoProgress(await shopper.remoteVideo())]);
    expect(agentSees.after).toBeGreaterThan(agentSees.before);
    expect(shopperSees.after).toBeGreaterThan(shopperSees.before);
    await shopper.waitReconnecting(true);

    await stack.restart();
    await shopper.waitReconnecting(false);
    await agent.console.waitForSelector('[data-testid=console-online][data-online=true]', { timeout: 30_000 });
    await expectConnected(agent, shopper);
    await agent.sendChat('After the crash');
    await shopper.waitChat('After the crash');
    expect(await shopper.chatTexts()).toEqual(['Before the crash', 'After the crash']);
    expect(await agent.chatTexts()).toEqual(['Before the crash', 'After the crash']);

    await agent.hangup();
    await shopper.waitState('ended');
    const login = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    const rec = await apiRequest(stack.serverUrl, `/api/conversations/${id}`, ConversationRecord, { token: login.token });
    expect(rec).toMatchObject({ state: ConversationState.Closed, endedBy: 'agent', endReason: 'hangup', messages: 2, customerName: 'Anna Schmidt' });
    expect(rec.mediaSessions).toHaveLength(1);
    expect(rec.mediaSessions[0]!.connectedAt).not.toBeNull();
    expect(rec.offers.map((o) => o.outcome)).toEqual(['accepted']);
  });
});
