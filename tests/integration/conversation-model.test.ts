/**
 * The conversation domain against a real SQLite file, driven by random sequences of what
 * shoppers, agents, the clock and the operator (restarts) do. After every step the database —
 * the truth — must hold: no conversation lost or stuck, never two agents offered one request nor
 * one agent two, every stored deadline armed (also after a restart), and every end recorded.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversationState as S, CounterpartError, ErrorCode, IssueType, MediaKind, ParticipantState, Presence, Role, TERMINAL_STATES } from '../../protocol/index';
import { canServe, skillsOf, type SkillRow } from '../../server/src/routing/skills';
import { REFUSALS } from '../../server/src/conversations/dispatch';
import { openDatabase, type Db } from '../../server/src/db/index';
import { createUser } from '../../server/src/db/seed';
import { createLogger } from '../../server/src/log';
import { Conversations, type ConversationOptions } from '../../server/src/conversations/service';
import { ConversationStore } from '../../server/src/conversations/store';
import { Event, TRANSITIONS, next } from '../../server/src/conversations/states';
import type { Party } from '../../server/src/conversations/model';

const OPTS: ConversationOptions = {
  routing: { wrapUpMs: 5_000, widenAfterMs: 20_000, maxChats: 2, maxConversations: 3, missedRingsAway: 2 },
  ringTimeoutMs: 10_000,
  ringRetryAfterMs: 5_000,
  reconnectGraceMs: 15_000,
  connectTimeoutMs: 30_000,
  queue: { maxPerSite: 6, maxWaitMs: 60_000 },
};
const RUNS = Number(process.env.MODEL_RUNS) > 0 ? Number(process.env.MODEL_RUNS) : 20;
const SEED = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : undefined;
const SHOPPERS = 5;
const AGENTS = 3;
/** Agent 0 takes everything; 1 only pre-sale in English; 2 after-sales in Chinese for category 16, two chats at most by default. */
const SKILLS: SkillRow[][] = [
  [],
  [{ kind: 'issue', value: IssueType.PreSale, level: 2 }, { kind: 'language', value: 'en', level: 3 }, { kind: 'category', value: '*', level: 1 }],
  [{ kind: 'issue', value: IssueType.AfterSales, level: 5 }, { kind: 'language', value: 'zh', level: 4 }, { kind: 'category', value: '16', level: 3 }],
];

describe('the transition table', () => {
  it('refuses every move it does not list, with invalid_transition', () => {
    for (const from of Object.values(S))
      for (const event of Object.values(Event)) {
        const to = TRANSITIONS[from][event];
        if (to) expect(next(from, event)).toBe(to);
        else {
          const err = (() => {
            try {
              next(from, event);
            } catch (e) {
              return e;
            }
          })();
          expect(err, `${from} + ${event}`).toBeInstanceOf(CounterpartError);
          expect((err as CounterpartError).code).toBe(ErrorCode.InvalidTransition);
        }
      }
  });

  it('has no way out of a terminal state, and a way to a terminal state from every other', () => {
    for (const s of TERMINAL_STATES) expect(Object.keys(TRANSITIONS[s])).toEqual([]);
    for (const s of Object.values(S)) {
      const seen = new Set<S>([s]);
      const todo = [s];
      while (todo.length) for (const t of Object.values(TRANSITIONS[todo.pop()!])) if (t && !seen.has(t)) seen.add(t), todo.push(t);
      expect([...seen].some((t) => TERMINAL_STATES.has(t)), s).toBe(true);
    }
  });
});

type Step =
  | { k: 'start'; s: number; channel: MediaKind; issueType: IssueType; language: string; vip: number; categoryIds: number[] }
  | { k: 'propose'; s: number; kind: MediaKind.Voice | MediaKind.Video }
  | { k: 'answer' | 'stopMedia'; a: number }
  | { k: 'shopperEnd' | 'shopperDrop' | 'shopperBack' | 'chat'; s: number }
  | { k: 'agentUp' | 'agentDown' | 'accept' | 'decline' | 'agentEnd'; a: number }
  | { k: 'presence'; a: number; available: boolean }
  | { k: 'transfer'; a: number; to: number | IssueType }
  | { k: 'advance'; ms: number }
  | { k: 'restart' };

const shopper = fc.nat(SHOPPERS - 1);
const agent = fc.nat(AGENTS - 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('start' as const), s: shopper, channel: fc.constantFrom(MediaKind.Chat, MediaKind.Voice, MediaKind.Video),
      issueType: fc.constantFrom(IssueType.PreSale, IssueType.AfterSales), language: fc.constantFrom('en', 'zh'), vip: fc.nat(2),
      categoryIds: fc.subarray([15, 16], { maxLength: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('propose' as const), s: shopper, kind: fc.constantFrom(MediaKind.Voice as const, MediaKind.Video as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('answer' as const, 'stopMedia' as const), a: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('shopperEnd' as const, 'shopperDrop' as const, 'shopperBack' as const, 'chat' as const), s: shopper }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('agentUp' as const, 'agentUp' as const, 'agentDown' as const, 'decline' as const, 'agentEnd' as const), a: agent }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('accept' as const), a: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('presence' as const), a: agent, available: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('transfer' as const), a: agent, to: fc.oneof(agent, fc.constantFrom(IssueType.PreSale, IssueType.AfterSales)) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 6_000, 11_000, 16_000, 21_000, 61_000) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restart' as const) }) },
);

/**
 * One sequence that surely reaches what the random ones are meant to test (answered, transferred to
 * an agent and to a queue, a restart in the middle): the coverage check below does not rest on the seed.
 */
const ANSWERED_AND_TRANSFERRED: Step[] = [
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  ...[0, 1, 2].map((a) => ({ k: 'accept' as const, a })),
  { k: 'chat', s: 0 },
  ...[0, 1, 2].map((a) => ({ k: 'transfer' as const, a, to: a === 0 ? 1 : 0 })),
  { k: 'restart' },
  ...[0, 1, 2].map((a) => ({ k: 'accept' as const, a })),
  ...[0, 1, 2].map((a) => ({ k: 'transfer' as const, a, to: IssueType.PreSale })),
  { k: 'advance', ms: 6_000 },
  ...[0, 1, 2].map((a) => ({ k: 'accept' as const, a })),
  { k: 'shopperEnd', s: 0 },
];

/**
 * Found by the random sequences: a request that waited past the widening time, then was handed back
 * to a queue, widened from its transfer but woke the dispatcher at its first request's widening —
 * already past, so it re-armed in the past and spun until the request left the queue.
 */
const TRANSFERRED_AFTER_WIDENING: Step[] = [
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'start', s: 1, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'accept', a: 1 },
  { k: 'advance', ms: 61_000 },
  { k: 'agentUp', a: 0 },
  { k: 'transfer', a: 1, to: IssueType.PreSale },
  { k: 'advance', ms: 1_000 },
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'shopperEnd', s: 0 },
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'shopperEnd', s: 0 },
  { k: 'accept', a: 0 },
  { k: 'advance', ms: 1_000 },
  { k: 'agentUp', a: 0 },
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'shopperEnd', s: 0 },
  { k: 'propose', s: 0, kind: MediaKind.Voice },
  { k: 'accept', a: 0 },
  { k: 'agentUp', a: 0 },
  { k: 'advance', ms: 1_000 },
  { k: 'agentUp', a: 0 },
  { k: 'transfer', a: 0, to: 1 },
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'start', s: 0, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
];

/**
 * Found by the model (seed 2079075951): an agent in a chat is rung for a voice request; before
 * answering the ring they take their chat to a call, then accept the ring — two calls at once.
 * A ring holds the slot it was offered for: the call in the chat is refused while it rings.
 */
const ESCALATED_WHILE_RINGING: Step[] = [
  { k: 'start', s: 4, channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'accept', a: 0 },
  { k: 'start', s: 0, channel: MediaKind.Voice, issueType: IssueType.PreSale, language: 'en', vip: 0, categoryIds: [] },
  { k: 'propose', s: 4, kind: MediaKind.Voice },
  { k: 'answer', a: 0 },
  { k: 'advance', ms: 1_000 },
  { k: 'accept', a: 0 },
];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const log = createLogger('silent');
type Row = Record<string, unknown>;

/** One world: a database, a clock, the domain on top (replaced on restart), and who is connected. */
async function world() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-model-'));
  dirs.push(dir);
  const db = await openDatabase(path.join(dir, 'db.sqlite'));
  const [siteId] = await db('sites').insert({ key: 'k', name: 'S', allowed_origins: '[]', identity_secret: 's', created_at: new Date().toISOString() });
  const agents: { id: number; name: string; email: string }[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const email = `a${i}@model.test`;
    const id = await createUser(db, { email, name: `Agent ${i}`, role: Role.Agent, password: 'x-password-1' });
    if (SKILLS[i]!.length) {
      await db('agent_skills').where({ user_id: id }).delete();
      await db('agent_skills').insert(SKILLS[i]!.map((k) => ({ user_id: id, ...k })));
    }
    agents.push({ id, name: `Agent ${i}`, email });
  }
  // Agents start available (each still connects with an agentUp step).
  await db('agent_status').update({ presence: Presence.Available });
  let clock = Date.parse('2026-11-24T10:00:00Z');
  const now = () => clock;
  const boot = async () => {
    const c = new Conversations(new ConversationStore(db), null as never, log, OPTS, now);
    await c.init(agents);
    // Consoles open (again) at start; agentDown steps drop them.
    for (const a of agents) await c.lifecycle.connected({ role: Role.Agent, id: String(a.id) });
    return c;
  };
  return { db, siteId: Number(siteId), agents, now, advance: (ms: number) => (clock += ms), boot };
}

const shopperParty = (s: number): Party => ({ role: Role.Shopper, id: `shopper-${s}` });
const agentParty = (id: number): Party => ({ role: Role.Agent, id: String(id) });

/** Runs a command; refusals (CounterpartError) are a normal answer, anything else fails the test. */
async function attempt(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof CounterpartError)) throw err;
  }
}

async function check(db: Db, domain: Conversations, started: Set<string>, now: number): Promise<void> {
  const rows: Row[] = await db('conversations').select();
  // Nothing lost: every conversation started is stored; the cache holds exactly the live ones.
  for (const id of started) expect(rows.some((r) => r.id === id), `conversation ${id} lost`).toBe(true);
  const live = rows.filter((r) => !TERMINAL_STATES.has(r.state as S));
  expect(new Set(domain.core.live.keys())).toEqual(new Set(live.map((r) => String(r.id))));
  const parts: Row[] = await db('participants').select();
  const offers: Row[] = await db('offers').whereNull('ended_at');
  const timers = domain.core.timers;
  for (const r of rows) {
    const mine = parts.filter((p) => p.conversation_id === r.id);
    const open = offers.filter((o) => o.conversation_id === r.id);
    if (TERMINAL_STATES.has(r.state as S)) {
      expect(r.ended_at && r.ended_by && r.end_reason, `end of ${r.id} recorded`).toBeTruthy();
      expect(mine.every((p) => p.left_at !== null)).toBe(true);
      expect(open).toEqual([]);
      continue;
    }
    // One shopper per conversation, one live conversation per shopper.
    expect(live.filter((o) => o.shopper_id === r.shopper_id)).toHaveLength(1);
    if (r.state === S.Queued || r.state === S.Offered) expect(timers.dueAt(`wait:${r.id}`), `wait deadline of ${r.id} armed`).toBe(Number(r.wait_deadline));
    if (r.state === S.Offered) {
      expect(open.map((o) => Number(o.agent_id))).toEqual([Number(r.offered_agent_id)]);
      expect(timers.dueAt(`offer:${r.id}`), `offer deadline of ${r.id} armed`).toBe(Number(r.offer_deadline));
    } else expect(open).toEqual([]);
    for (const p of mine.filter((x) => x.left_at === null)) {
      if (p.state === ParticipantState.Reconnecting)
        expect(timers.dueAt(`grace:${r.id}:${p.role}:${p.party_id}`), `grace of ${p.role} in ${r.id} armed`).toBe(Number(p.grace_deadline));
      else expect(p.state).toBe(ParticipantState.Connected);
    }
  }
  // Never two offers to one agent; each agent's stored load is exactly what they hold, within capacity.
  const offeredAgents = live.filter((r) => r.state === S.Offered).map((r) => Number(r.offered_agent_id));
  expect(new Set(offeredAgents).size).toBe(offeredAgents.length);
  const status: Row[] = await db('agent_status').select();
  const skills: Row[] = await db('agent_skills').select();
  for (const st of status) {
    const id = Number(st.user_id);
    const held = parts.filter((p) => p.role === Role.Agent && Number(p.party_id) === id && p.left_at === null && live.some((r) => r.id === p.conversation_id));
    expect(Number(st.calls), `calls of agent ${id}`).toBe(held.filter((p) => p.load === 'call').length);
    expect(Number(st.chats), `chats of agent ${id}`).toBe(held.filter((p) => p.load === 'chat').length);
    expect(Number(st.calls)).toBeLessThanOrEqual(1);
    expect(Number(st.chats)).toBeLessThanOrEqual(OPTS.routing.maxChats);
    expect(Number(st.calls) + Number(st.chats)).toBeLessThanOrEqual(OPTS.routing.maxConversations);
    const ringing = live.find((r) => r.state === S.Offered && Number(r.offered_agent_id) === id);
    expect(st.ring_conversation ?? null, `ring of agent ${id}`).toBe(ringing ? ringing.id : null);
    const cache = domain.core.agents.get(id)!;
    expect({ calls: cache.calls, chats: cache.chats, ringing: cache.ringing, presence: cache.presence }, `cache of agent ${id}`).toEqual({
      calls: Number(st.calls), chats: Number(st.chats), ringing: st.ring_conversation ?? null, presence: st.presence,
    });
    // Offered only what their skills allow (widened after the widening time).
    if (ringing) {
      const mine = skillsOf(skills.filter((k) => Number(k.user_id) === id).map((k) => ({ kind: k.kind as SkillRow['kind'], value: String(k.value), level: Number(k.level) })));
      const need = { channel: ringing.channel as MediaKind, issueType: ringing.issue_type as IssueType, language: String(ringing.language), categoryIds: JSON.parse(String(ringing.category_ids)) as number[] };
      const widened = now - Date.parse(String(ringing.transferred_at ?? ringing.requested_at)) >= OPTS.routing.widenAfterMs;
      // Transferred to one agent: that agent (whatever their skills) until it widens.
      const directed = ringing.transfer_to !== null && !widened;
      expect(directed ? Number(ringing.transfer_to) === id : canServe(mine, need, widened), `agent ${id} may take ${ringing.id}`).toBe(true);
    }
  }
  // Nothing stuck: no queued request while an agent who could take it is free (connected, available, out of wrap-up, not refused lately).
  const refused: Row[] = await db('offers').whereIn('outcome', REFUSALS).andWhere('ended_at', '>', new Date(now - OPTS.ringRetryAfterMs).toISOString());
  for (const r of live.filter((x) => x.state === S.Queued)) {
    const need = { channel: r.channel as MediaKind, issueType: r.issue_type as IssueType, language: String(r.language), categoryIds: JSON.parse(String(r.category_ids)) as number[] };
    for (const a of domain.core.agents.values()) {
      const free = a.connected && a.presence === Presence.Available && !a.ringing && !(a.wrapUpUntil !== null && a.wrapUpUntil > now) && a.calls + a.chats < OPTS.routing.maxConversations && (need.channel === MediaKind.Chat ? a.chats < OPTS.routing.maxChats : a.calls < 1);
      const refusedIt = refused.some((o) => o.conversation_id === r.id && Number(o.agent_id) === a.id);
      // The agent who handed it on is kept off it for a while too.
      const handedOn = r.transfer_from !== null && Number(r.transfer_from) === a.id && Date.parse(String(r.transferred_at)) + OPTS.ringRetryAfterMs > now;
      const widened = now - Date.parse(String(r.transferred_at ?? r.requested_at)) >= OPTS.routing.widenAfterMs;
      const eligible = r.transfer_to !== null && !widened ? Number(r.transfer_to) === a.id : canServe(a.skills, need, widened);
      if (free && !refusedIt && !handedOn) expect(eligible, `${r.id} stuck while agent ${a.id} is free`).toBe(false);
    }
  }
}

describe('random sequences of events and restarts', () => {
  it('never lose or strand a conversation, never double-offer, and re-arm every deadline', async () => {
    const reached = { answered: 0, transferred: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 70 }), async (steps) => {
        const w = await world();
        let domain = await w.boot();
        const started = new Set<string>();
        const liveOf = (party: Party) => domain.liveOf(party.role === Role.Shopper ? ({ role: Role.Shopper, shopperId: party.id } as never) : ({ role: Role.Agent, userId: Number(party.id) } as never));
        // The clock stands still here: timers that keep coming due are re-armed in the past, a busy loop.
        const settle = async () => {
          await domain.settled();
          for (let rounds = 0; domain.core.timers.runDue() > 0; rounds++) {
            if (rounds > 100) throw new Error('timers keep re-arming at a time already past (a busy loop)');
            await domain.settled();
          }
        };
        try {
          for (const s of steps) {
            const actor = 's' in s ? { party: shopperParty(s.s), name: `Shopper ${s.s}` } : 'a' in s ? { party: agentParty(w.agents[s.a]!.id), name: `Agent ${s.a}` } : null;
            const mine = actor ? liveOf(actor.party)[0] : undefined;
            switch (s.k) {
              case 'start':
                // As the transport does: the shopper's socket is open when it starts.
                await domain.lifecycle.connected(actor!.party);
                await attempt(async () => {
                  const c = await domain.lifecycle.start(
                    { shopper: actor!, siteId: w.siteId, net: `net-${s.s % 2}`, channel: s.channel, issueType: s.issueType, language: s.language, customer: null, product: null, pageUrl: '' },
                    async () => ({
                      customer: { id: s.s + 1, name: `Shopper ${s.s}`, email: `s${s.s}@model.test`, vip: s.vip },
                      product: s.categoryIds.length ? { id: 101, name: 'P', permalink: '', price: '1', image: null, categories: s.categoryIds.map((id) => ({ id, name: `c${id}` })) } : null,
                    }),
                  );
                  started.add(c.id);
                });
                break;
              case 'shopperEnd':
              case 'agentEnd':
                if (mine) await attempt(() => domain.lifecycle.end(actor!, mine.id));
                break;
              case 'shopperDrop':
              case 'agentDown':
                await domain.lifecycle.disconnected(actor!.party);
                break;
              case 'shopperBack':
              case 'agentUp':
                await domain.lifecycle.connected(actor!.party);
                break;
              case 'chat':
                if (mine) await attempt(() => domain.chat.send(actor!, mine.id, `c${Math.random().toString(36).slice(2, 12)}`, 'hello'));
                break;
              case 'propose':
                if (mine) await attempt(() => domain.media.propose(actor!, mine.id, s.kind));
                break;
              case 'answer':
                if (mine?.proposal) await attempt(() => domain.media.answer(actor!, mine.id, true));
                break;
              case 'stopMedia':
                if (mine?.media) await attempt(() => domain.media.stop(actor!, mine.id));
                break;
              case 'transfer':
                if (mine) {
                  const to = typeof s.to === 'number' ? { agentId: w.agents[s.to]!.id } : { issueType: s.to };
                  await attempt(() => domain.transfers.transfer(actor!, mine.id, to, 'over to you'));
                }
                break;
              case 'presence':
                await attempt(() => domain.lifecycle.setPresence(actor!, s.available ? Presence.Available : Presence.Away));
                break;
              case 'accept':
              case 'decline': {
                const offered = domain.core.offeredTo(Number(actor!.party.id));
                if (offered) await attempt(() => (s.k === 'accept' ? domain.lifecycle.accept(actor!, offered.id) : domain.lifecycle.decline(actor!, offered.id)));
                break;
              }
              case 'advance':
                w.advance(s.ms);
                break;
              case 'restart':
                await domain.stop();
                domain = await w.boot();
                break;
            }
            await settle();
            await check(w.db, domain, started, w.now());
          }
          reached.answered += (await w.db('conversations').whereNotNull('answered_at')).length;
          reached.transferred += (await w.db('conversations').whereNotNull('transferred_at')).length;
          // Everyone goes away for good: every conversation ends (nothing is stuck), with its end recorded.
          for (let i = 0; i < SHOPPERS; i++) await domain.lifecycle.disconnected(shopperParty(i));
          for (const a of w.agents) await domain.lifecycle.disconnected(agentParty(a.id));
          await settle();
          w.advance(OPTS.queue.maxWaitMs + OPTS.reconnectGraceMs + 1);
          await settle();
          await check(w.db, domain, started, w.now());
          expect(domain.core.live.size, 'conversations stuck after everyone left').toBe(0);
        } finally {
          await domain.stop();
          await w.db.destroy();
        }
      }),
      // 20 sequences of 20–70 steps: about a minute alone, twice that beside the rest of the suite on 2 cores.
      // MODEL_RUNS=1000 runs a thousand sequences (the two fixed ones first); MODEL_SEED=<seed> replays the one a failure names.
      { numRuns: RUNS, examples: [[ANSWERED_AND_TRANSFERRED], [TRANSFERRED_AFTER_WIDENING], [ESCALATED_WHILE_RINGING]], ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    // The sequences reach what they are meant to test: answered conversations, and transfers of them.
    expect(reached.answered).toBeGreaterThan(0);
    expect(reached.transferred).toBeGreaterThan(0);
  }, Math.max(300_000, RUNS * 15_000));
});
