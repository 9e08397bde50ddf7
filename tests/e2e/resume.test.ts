import { execFileSync } from 'node:child_process';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationRecord, ConversationState, LoginResponse, apiRequest } from '../../protocol/index';
import { AgentSide } from './support/agent';
import { launchBrowser } from './support/browser';
import { expectConnected } from './support/checks';
import { ShopperPage } from './support/shopper';
import { startStack, type Stack } from './support/stack';
import { SupervisorPage } from './support/supervisor';
import { sleep } from './support/util';

/**
 * The conversation never drops: the shopper moves around the shop or reloads, the network goes
 * away for a while, the agent closes the console — and the conversation carries on by itself.
 */
describe('a conversation that resumes by itself', () => {
  let stack: Stack;
  let shopperBrowser: Browser, agentBrowser: Browser;
  let agent: AgentSide;

  beforeAll(async () => {
    stack = await startStack({ RECONNECT_GRACE_MS: '20000' });
    [shopperBrowser, agentBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true })]);
    agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
  });

  afterAll(async () => {
    await Promise.all([shopperBrowser, agentBrowser].map((b) => b?.close()));
    await stack?.close();
  });

  async function record(id: string): Promise<ConversationRecord> {
    const login = await apiRequest(stack.serverUrl, '/api/auth/login', LoginResponse, { body: { email: 'sam@counterpart.test', password: 'sam-demo-pass' } });
    return apiRequest(stack.serverUrl, `/api/conversations/${id}`, ConversationRecord, { token: login.token });
  }

  /** The conversation id the widget keeps for this shop's origin. */
  const storedId = (s: ShopperPage) => s.page.evaluate(() => (JSON.parse(localStorage.getItem('counterpart:demo-shop') ?? '{}') as { conversationId?: string }).conversationId ?? null);

  async function videoCall(): Promise<ShopperPage> {
    await agent.setPresence('available');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { customerId: 1, product: 'oak-serving-board' });
    await shopper.startVideoCall();
    await agent.waitRing();
    await agent.accept();
    await expectConnected(agent, shopper);
    return shopper;
  }

  async function endIt(shopper: ShopperPage): Promise<void> {
    await agent.hangup();
    await shopper.waitState('ended');
    await agent.waitNoCall();
    await shopper.page.close();
  }

  it('goes on when the shopper clicks to another product: media back by itself, chat intact, one conversation with a resume', async () => {
    const shopper = await videoCall();
    const id = (await storedId(shopper))!;
    await shopper.sendChat('Does it come in walnut?');
    await agent.waitChat('Does it come in walnut?');

    await Promise.all([shopper.page.waitForNavigation(), shopper.page.click('a.more-product')]);
    expect(shopper.page.url()).not.toContain('oak-serving-board');
    // No click: the widget loads, resumes and the call reconnects.
    await shopper.waitState('in-call');
    const gap = await shopper.page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return performance.getEntriesByName('counterpart:remote-playing').at(-1)!.startTime - nav.domContentLoadedEventEnd;
    });
    console.log(`[measure] resume gap after navigation (page ready → remote video playing): ${Math.round(gap)} ms`);
    await expectConnected(agent, shopper);
    await shopper.waitChat('Does it come in walnut?');
    await agent.sendChat('It does, in two sizes.');
    await shopper.waitChat('It does, in two sizes.');
    expect(await agent.chatTexts()).toEqual(['Does it come in walnut?', 'It does, in two sizes.']);

    const rec = await record(id);
    expect(rec.state).toBe(ConversationState.Active);
    expect(rec.endedAt).toBeNull();
    expect(rec.mediaSessions).toHaveLength(1);
    expect(rec.mediaSessions[0]!.resumes).toBeGreaterThanOrEqual(1);
    await endIt(shopper);
    expect((await record(id)).endedBy).toBe('agent');
  });

  it('keeps the place in line and the messages when the shopper reloads while waiting', async () => {
    await agent.setPresence('away');
    const shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, { product: 'oak-serving-board' });
    await shopper.start('chat');
    expect((await shopper.waitSettled()).state).toBe('no-agent');
    await shopper.sendChat('Hello from the queue');
    // Stored (not only sent) before the page goes.
    await shopper.page.waitForFunction(
      () => document.querySelector('counterpart-widget')?.shadowRoot?.querySelector<HTMLElement>('[data-testid=cp-chat-item][data-mark=sent]') !== null,
    );
    const id = await storedId(shopper);
    await shopper.page.reload();
    expect((await shopper.waitSettled()).state).toBe('no-agent');
    await shopper.waitChat('Hello from the queue');
    expect(await storedId(shopper)).toBe(id);

    await agent.pressPresence('available');
    await agent.waitRing();
    await agent.accept();
    await agent.waitChat('Hello from the queue');
    await shopper.waitState('chatting');
    await endIt(shopper);
  });

  it('asks before the console closes mid-call; reopened, it takes the call up again without a password', async () => {
    const shopper = await videoCall();
    const id = (await storedId(shopper))!;
    const asked = new Promise<string>((resolve) =>
      agent.console.once('dialog', (d) => {
        resolve(d.type());
        void d.accept();
      }),
    );
    await agent.console.close({ runBeforeUnload: true });
    expect(await asked).toBe('beforeunload');
    await shopper.waitReconnecting(true);

    agent = await agent.reopenConsole(agentBrowser);
    expect(await agent.console.$('[data-testid=console-password]')).toBeNull();
    await expectConnected(agent, shopper);
    await shopper.waitReconnecting(false);
    expect((await record(id)).state).toBe(ConversationState.Active);
    await endIt(shopper);
  });

  it('a 3 s network blackout: both sides (and the supervisor) say "reconnecting" and media comes back by itself', async () => {
    const supervisorBrowser = await launchBrowser();
    const supervisor = await SupervisorPage.open(supervisorBrowser, stack.serverUrl, 'sam@counterpart.test', 'sam-demo-pass');
    const shopper = await videoCall();
    const id = (await storedId(shopper))!;
    const both = (on: boolean) => Promise.all([shopper.waitReconnecting(on, 15_000), agent.waitReconnecting(on, 15_000)]);
    const t0 = Date.now();
    // Every packet on the namespace's loopback is dropped (a pfifo that holds nothing): media, signaling, the realtime channel.
    execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'pfifo', 'limit', '0']);
    let detected: number;
    try {
      await both(true);
      detected = Date.now() - t0;
      await sleep(Math.max(0, 3000 - (Date.now() - t0)));
    } finally {
      execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
    }
    const t1 = Date.now();
    await both(false);
    const recovered = Date.now() - t1;
    console.log(`[measure] blackout 3 s: both sides showed reconnecting after ${detected} ms; media back ${recovered} ms after the network returned`);
    await expectConnected(agent, shopper);
    // The supervisor saw it too (each side reports its media path), and sees it over.
    expect(supervisor.sawReconnecting(id)).toBe(true);
    await supervisor.waitReconnecting(id, false);
    await supervisorBrowser.close();
    const rec = await record(id);
    expect(rec.state).toBe(ConversationState.Active);
    await endIt(shopper);
  });
});
