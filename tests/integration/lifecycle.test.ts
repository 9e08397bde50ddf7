import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentState, ErrorCode, Presence } from '../../protocol/index';
import { callRequest } from '../helpers/calls';
import { DEMO, delay, login, rtcCredentials, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

/** Calls that go wrong: media that never flows, parties that reconnect, requests that race. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { CONNECT_TIMEOUT_MS: '800', RECONNECT_GRACE_MS: '3000' } });
});
afterAll(async () => stack?.close());

const request = () => callRequest({ pageUrl: 'http://shop.test/' });

async function availableAgent(): Promise<{ token: string; rt: RealtimeClient }> {
  const { token } = await login(stack.url, DEMO.alice);
  const rt = await openRealtime(stack, token);
  rt.send({ type: 'presence.set', presence: Presence.Available });
  await rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
  return { token, rt };
}

/** A shopper's request, rung at the agent and accepted. */
async function acceptedCall(agent: { token: string; rt: RealtimeClient }) {
  const shopper = await shopperSession(stack.url);
  const rt = await openRealtime(stack, shopper.token);
  rt.send(request());
  const ring = await agent.rt.next('call.ring');
  await rt.next('call.ringing');
  const peer = await rtcCredentials(stack.url, shopper.token);
  const agentPeer = await rtcCredentials(stack.url, agent.token);
  agent.rt.send({ type: 'call.accept', callId: ring.callId, peerId: agentPeer.peerId });
  const connect = await rt.next('call.connect');
  await agent.rt.next('call.connect');
  return { callId: ring.callId, shopper, shopperRt: rt, shopperPeer: peer, agentPeer, connect };
}

it('ends an accepted call whose media never flows as connect_failed, and frees the agent', async () => {
  const agent = await availableAgent();
  const call = await acceptedCall(agent);
  const [toShopper, toAgent] = await Promise.all([call.shopperRt.next('call.ended'), agent.rt.next('call.ended')]);
  for (const m of [toShopper, toAgent]) expect(m).toMatchObject({ callId: call.callId, endedBy: 'system', reason: 'connect_failed' });
  await agent.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
  await Promise.all([agent.rt.close(), call.shopperRt.close()]);
});

it('tells a party that reconnects mid-call where the call stands, and the call goes on', async () => {
  const agent = await availableAgent();
  const call = await acceptedCall(agent);
  call.shopperRt.send({ type: 'call.media', callId: call.callId });
  await waitFor(() => (stack.server.calls.snapshot().calls.find((c) => c.id === call.callId)?.mediaAt ? true : null), 'media flowing');

  await call.shopperRt.close();
  const again = await openRealtime(stack, call.shopper.token);
  expect(await again.next('call.connect')).toEqual(call.connect);

  await agent.rt.close();
  const agentAgain = await openRealtime(stack, agent.token);
  expect(await agentAgain.next('call.connect')).toMatchObject({ callId: call.callId, remotePeerId: call.shopperPeer.peerId, placeCall: true });

  // Both came back within the grace: still the same live call, which either can end.
  expect(stack.server.calls.snapshot().calls.map((c) => c.id)).toContain(call.callId);
  again.send({ type: 'call.hangup', callId: call.callId });
  expect(await agentAgain.next('call.ended')).toMatchObject({ callId: call.callId, endedBy: 'shopper', reason: 'hangup' });
  await Promise.all([again.close(), agentAgain.close()]);
});

it('creates one call when the same shopper requests from two tabs at once', async () => {
  const shopper = await shopperSession(stack.url);
  const [tab1, tab2] = await Promise.all([openRealtime(stack, shopper.token), openRealtime(stack, shopper.token)]);
  tab1.send(request());
  tab2.send(request());
  const errors = await Promise.race([tab1.next('error'), tab2.next('error')]);
  expect(errors.code).toBe(ErrorCode.CallAlreadyRequested);
  const mine = await waitFor(() => {
    const queued = stack.server.calls.snapshot().calls.filter((c) => c.state === 'queued');
    return queued.length > 0 ? queued : null;
  }, 'the one queued call');
  await delay(100);
  expect(stack.server.calls.snapshot().calls.filter((c) => c.state === 'queued')).toEqual(mine);
  expect(mine).toHaveLength(1);
  // Both tabs share the one call, and so the one peer id the server minted for it.
  const peers = await Promise.all([rtcCredentials(stack.url, shopper.token), rtcCredentials(stack.url, shopper.token)]);
  expect(peers[1]!.peerId).toBe(peers[0]!.peerId);
  expect(peers[0]!.peerId.startsWith(`s-${shopper.shopperId}-`)).toBe(true);
  await Promise.all([tab1.close(), tab2.close()]);
});
