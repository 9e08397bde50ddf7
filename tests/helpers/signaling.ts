/**
 * Shared by the signaling security tests (tests/integration/signaling-*.test.ts): one stack per
 * file, the sockets and shopper conversations of each test closed and ended after it, refusal
 * counts, and shoppers with PeerJS credentials.
 *
 * A test file calls `useSignalingStack()` once at its top level; `stack` and `secret` are live
 * bindings set by the `beforeAll` it registers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RtcCredentials } from '../../protocol/index';
import { shopperInConversation } from './conversations';
import { rtcCredentials, startStack, type Stack } from './server';
import type { RealtimeClient } from './sockets';

export let stack: Stack;
/** The server's JWT secret, to sign tokens the server would have issued. */
export let secret: string;

/** Sockets a test opened, and shopper conversations it started: closed and ended after it, so none waits for the agents of the next. */
const open: { close(): Promise<unknown> }[] = [];
const liveConversations: { rt: RealtimeClient; conversationId: string }[] = [];

/** Starts the stack for the calling test file and cleans up after each of its tests. */
export function useSignalingStack(): void {
  beforeAll(async () => {
    stack = await startStack();
    secret = fs.readFileSync(path.join(stack.dataDir, 'jwt-secret'), 'utf8').trim();
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(async () => {
    for (const { rt, conversationId } of liveConversations.splice(0)) {
      const live = stack.server.conversations.snapshot().conversations.some((c) => c.id === conversationId);
      if (!live || rt.ws.readyState !== rt.ws.OPEN) continue;
      rt.send({ type: 'conversation.end', conversationId });
      await rt.next('conversation.update', { where: (m) => m.conversation.id === conversationId && m.conversation.endedAt !== null, timeoutMs: 2000 }).catch(() => {});
    }
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
}

export function track<T extends { close(): Promise<unknown> }>(s: T): T {
  open.push(s);
  return s;
}

/** How often the server counted a refusal of this kind (dropped frames, refused upgrades). */
export const refusals = (kind: string): number => stack.server.refusals.totals.get(kind) ?? 0;

export type ShopperPeer = { token: string; shopperId: string; creds: RtcCredentials; rt: RealtimeClient; conversationId: string };

/**
 * A shopper with PeerJS credentials: those exist, and connect, only while the shopper is in a live
 * conversation, so it starts one (a video conversation, waiting in the queue) and keeps it.
 */
export async function shopperCreds(): Promise<ShopperPeer> {
  const s = await shopperInConversation(stack);
  track(s.rt);
  liveConversations.push({ rt: s.rt, conversationId: s.conversationId });
  return { token: s.token, shopperId: s.shopperId, creds: await rtcCredentials(stack.url, s.token), rt: s.rt, conversationId: s.conversationId };
}
