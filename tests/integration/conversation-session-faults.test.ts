/**
 * Exactly once, in order, over a bad network: a shopper's RealtimeClient and ConversationSession
 * talk to the real server through a WebSocket proxy that, as fast-check decides frame by frame,
 * duplicates frames, delays the server's (so they overtake each other), and cuts the connection
 * before or after forwarding one. Meanwhile the shopper and an agent chat. Once the network
 * behaves again and the client settles, every stored message was emitted exactly once, in seq
 * order, and every message either side sent was stored exactly once, in the order it was sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueType, ConversationState, MediaKind, TERMINAL_STATES, type ChatMessage } from '../../protocol/index';
import { delay, waitFor } from '../helpers/server';
import {
  CONTEXT,
  FORWARD,
  acceptWith,
  agentClient,
  shopperClient,
  storedMessages,
  type AgentClient,
  type ProxyPolicy,
  useWorld,
  w,
} from '../helpers/session-clients';

useWorld();

/** What the proxy does with the next frame (either direction). */
type Fault = { kind: 'pass' } | { kind: 'dup' } | { kind: 'delay'; ms: number } | { kind: 'cut' } | { kind: 'cutAfter' };
type Step = { kind: 'shopper' } | { kind: 'agent' } | { kind: 'wait'; ms: number };

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'pass' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'dup' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 80 }).map((ms) => ({ kind: 'delay' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cut' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cutAfter' as const }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'shopper' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'agent' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 60 }).map((ms) => ({ kind: 'wait' as const, ms })) },
);
/**
 * Limits that keep the runs inside the server's budgets, which drop or refuse what is over them:
 * per shopper (a new one each run), 30 tickets a minute and a burst of 30 frames per socket; for
 * alice (one socket for every run), 60 messages a minute and 10 frames a second after a burst of
 * 30 (a run costs her about 8: accept, resume, marks, messages, end), hence RUNS and MIN_RUN_MS.
 */
const MAX_SHOPPER_MESSAGES = 8;
const MAX_AGENT_MESSAGES = 2;
const MAX_CUTS = 4;
const RUNS = 25;
const MIN_RUN_MS = 800;

const totals = { frames: 0, dups: 0, delays: 0, cuts: 0, runs: 0 };

/** A proxy policy that plays `faults`, one per frame, then forwards; at most MAX_CUTS cuts. */
function faulty(faults: readonly Fault[]): ProxyPolicy {
  let next = 0;
  let cuts = 0;
  const take = (): Fault => {
    const f = faults[next++] ?? { kind: 'pass' };
    if ((f.kind === 'cut' || f.kind === 'cutAfter') && ++cuts > MAX_CUTS) return { kind: 'pass' };
    return f;
  };
  const play = (f: Fault, forward: () => void, cut: () => void, later: ((ms: number) => void) | null) => {
    totals.frames++;
    if (f.kind === 'cut') {
      totals.cuts++;
      return cut();
    }
    if (f.kind === 'delay' && later) {
      totals.delays++;
      return later(f.ms);
    }
    forward();
    if (f.kind === 'dup') {
      totals.dups++;
      forward();
    }
    if (f.kind === 'cutAfter') {
      totals.cuts++;
      cut();
    }
  };
  return {
    fromServer: (d, l) =>
      play(
        take(),
        () => l.toClient(d),
        () => l.cut(),
        (ms) => setTimeout(() => l.toClient(d), ms),
      ),
    fromClient(d, l) {
      // A start sent twice would be the client's doing, not the network's.
      const f = (JSON.parse(d) as { type: string }).type === 'conversation.start' ? { kind: 'pass' as const } : take();
      // Client frames are not delayed: `ws` sends them in order on one TCP stream, as a browser does.
      play(
        f,
        () => l.toServer(d),
        () => l.cut(),
        null,
      );
    },
  };
}

async function run(alice: AgentClient, faults: readonly Fault[], steps: readonly Step[]): Promise<void> {
  totals.runs++;
  const began = Date.now();
  const c = await shopperClient(w);
  const emitted: ChatMessage[] = [];
  c.s.on('message', (m) => emitted.push(m));
  const log: string[] = [];
  c.rt.on('connected', () => log.push('connected'));
  c.rt.on('disconnected', (i) => log.push(`disconnected ${i.code}`));
  w.proxy.policy = faulty(faults);
  c.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
  c.rt.connect();
  const id = await waitFor(() => c.s.conversationId, 'the conversation adopted', 10_000);
  const agent = await acceptWith(w, alice, id);

  const sent = { shopper: [] as string[], agent: [] as string[] };
  for (const st of steps) {
    if (st.kind === 'wait') await delay(st.ms);
    else if (st.kind === 'shopper' && sent.shopper.length < MAX_SHOPPER_MESSAGES) c.s.send((sent.shopper[sent.shopper.length] = `shopper ${sent.shopper.length + 1}`));
    else if (st.kind === 'agent' && sent.agent.length < MAX_AGENT_MESSAGES) agent.s.send((sent.agent[sent.agent.length] = `agent ${sent.agent.length + 1}`));
  }

  // The network behaves again; the client settles by itself.
  w.proxy.policy = FORWARD;
  const total = sent.shopper.length + sent.agent.length;
  try {
    await waitFor(
      () =>
        c.rt.connected && c.s.pending.length === 0 && agent.s.pending.length === 0 && emitted.length >= total && agent.r.messages.length >= total ? true : null,
      'the shopper settled',
      15_000,
    );
  } catch (err) {
    const stored = await storedMessages(w.stack, id);
    console.log(JSON.stringify({ faults, steps, log, connected: c.rt.connected, pending: c.s.pending, agentPending: agent.s.pending, emitted: emitted.map((m) => m.seq), stored: stored.map((m) => [m.seq, m.text]), view: c.s.view?.state, errors: c.r.errors }));
    throw err;
  }
  await delay(150); // late duplicates and delayed frames land
  const stored = await storedMessages(w.stack, id);
  expect(emitted.map((m) => [m.seq, m.id])).toEqual(stored.map((m) => [m.seq, m.id]));
  expect(c.s.messages.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
  // The agent's session (straight to the server) too.
  expect(agent.r.messages.map((m) => [m.seq, m.id])).toEqual(stored.map((m) => [m.seq, m.id]));
  expect(stored.filter((m) => m.sender_role === 'shopper').map((m) => m.text)).toEqual(sent.shopper);
  expect(stored.filter((m) => m.sender_role === 'agent').map((m) => m.text)).toEqual(sent.agent);
  expect(c.r.errors).toEqual([]);
  expect(c.r.gone).toBe(0);

  agent.s.end();
  await waitFor(() => (c.s.view && TERMINAL_STATES.has(c.s.view.state) ? true : null), 'the end at the shopper', 10_000);
  expect(c.s.view?.state).toBe(ConversationState.Closed);
  await waitFor(() => (w.stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'alice free again');
  c.s.close();
  c.rt.close();
  agent.s.close();
  await delay(MIN_RUN_MS - (Date.now() - began));
}

describe('ConversationSession over a faulty network', () => {
  it('property: duplicated, delayed and reordered frames and cut connections: every stored message emitted once, in order; every sent one stored once', async () => {
    const alice = await agentClient(w);
    await fc.assert(
      fc.asyncProperty(fc.array(fault, { minLength: 8, maxLength: 60 }), fc.array(step, { minLength: 1, maxLength: 24 }), (faults, steps) => run(alice, faults, steps)),
      // Each run is a new shopper, a conversation and an agent's accept on the real server.
      { numRuns: RUNS, endOnFailure: true },
    );
    // The proxy did what it was asked to (fast-check's mix makes each kind certain over the runs).
    expect(totals.runs).toBeGreaterThanOrEqual(RUNS);
    for (const k of ['dups', 'delays', 'cuts'] as const) expect(totals[k], k).toBeGreaterThan(0);
  }, 180_000);
});
