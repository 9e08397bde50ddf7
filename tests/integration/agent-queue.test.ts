/**
 * The queue as agents see it, on a real server: every connected agent is told how many requests
 * wait, how many of them their skills let them take, and since when the longest has waited — and
 * told again as that changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssueType, MediaKind, Presence, type ServerMessageOf } from '../../protocol/index';
import { agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.close();
});

describe('the queue panel’s numbers', () => {
  it('counts what waits, what each agent could take, and the longest wait', async () => {
    const { id: aliceId } = await stack.server.db('users').where({ email: DEMO.alice.email }).first('id');
    await stack.server.db('agent_skills').where({ user_id: aliceId, kind: 'issue' }).whereNot('value', IssueType.PreSale).delete();
    await stack.server.conversations.core.reloadAgent(Number(aliceId));
    // Both away: requests wait.
    const alice = await agentConsole(stack, DEMO.alice, Presence.Away, (rt) => sockets.push(rt));
    const bob = await agentConsole(stack, DEMO.bob, Presence.Away, (rt) => sockets.push(rt));
    const start = async (issueType: IssueType) => {
      const s = await shopperSession(stack.url);
      const rt = await openRealtime(stack, s.token);
      sockets.push(rt);
      return { rt, sync: await startConversation(rt, startMessage({ channel: MediaKind.Chat, issueType })) };
    };
    const first = await start(IssueType.PreSale);
    await start(IssueType.Technical);
    const two = { where: (m: { waiting: number }) => m.waiting === 2 };
    expect(await alice.rt.next('queue.stats', two)).toMatchObject({ waiting: 2, mine: 1, oldestAt: first.sync.conversation.requestedAt });
    expect(await bob.rt.next('queue.stats', two)).toMatchObject({ waiting: 2, mine: 2, oldestAt: first.sync.conversation.requestedAt });
    // Told again when it changes (earlier messages told of one waiting too: only what comes now counts).
    const from = { alice: alice.rt.received.length, bob: bob.rt.received.length };
    first.rt.send({ type: 'conversation.end', conversationId: first.sync.conversation.id });
    const next = (rt: RealtimeClient, i: number) =>
      waitFor(() => rt.received.slice(i).find((m): m is ServerMessageOf<'queue.stats'> => m.type === 'queue.stats') ?? null, 'queue.stats after the end');
    expect(await next(alice.rt, from.alice)).toMatchObject({ waiting: 1, mine: 0 });
    expect(await next(bob.rt, from.bob)).toMatchObject({ waiting: 1, mine: 1 });
  });
});
