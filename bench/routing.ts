/**
 * `npm run bench:routing`: the router and its compare-and-set offers under load. In one process,
 * on a real SQLite file, the real conversation domain (server/src/conversations) with 500 agents of
 * mixed skills (issue types, languages, categories; one call plus three chats each):
 *
 * 1. **Intake**: with every agent away, 10,000 requests of mixed needs arrive at once.
 * 2. **Decisions**: every agent freed at once (5 rounds, all away again between): offers ÷ time
 *    from freeing to the last ring, and each offer's time from the pass's decision to its commit
 *    (batches of 100 in one transaction each).
 * 3. **Drain**: agents answer every offer and end at once until the queue is empty (the drain rate
 *    pays every accept and end on the same database).
 * 4. **Request → ring** with agents free: 2,000 requests at 100/s; from `start` to the `offer`
 *    event, and the decision latency of these one-by-one decisions (the JSON's p50Ms / p99Ms).
 * 5. **Baseline** in the same run: the bare offer transaction (the same compare-and-set on the
 *    conversation and the agent row, plus the offer row) with no routing, 10,000 times on a fresh
 *    file. `ratio` = decisions/s ÷ bare transactions/s.
 *
 * Throughout: double assignments (an offer to an agent already ringing, or for a request already
 * ringing; and in the database, a request answered by two agents), agents over capacity and
 * conversations left live at the end.
 *
 * Prints a table and, last, one JSON line. Never asserts. Env: BENCH_REQUESTS (10000),
 * BENCH_AGENTS (500), BENCH_ROUNDS (5), BENCH_PACED (2000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_CATEGORY, IssueType, MediaKind, Presence, Role } from '../protocol/index';
import { openDatabase, type Db } from '../server/src/db/index';
import { createLogger } from '../server/src/log';
import { Conversations } from '../server/src/conversations/service';
import { ConversationStore } from '../server/src/conversations/store';
import type { Actor } from '../server/src/conversations/core';
import { seededRandom as rng } from '../tests/helpers/seeded';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 500);
const PACED = Number(process.env.BENCH_PACED ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const ms = (x: number) => Math.round(x * 100) / 100;

const rand = rng(8);
const ISSUES = Object.values(IssueType);

async function freshDb(): Promise<{ db: Db; siteId: number; agents: { id: number; name: string; email: string }[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-bench-routing-'));
  const db = await openDatabase(path.join(dir, 'db.sqlite'));
  const at = new Date().toISOString();
  const [siteId] = await db('sites').insert({ key: 'bench', name: 'Bench', allowed_origins: '[]', identity_secret: 'x'.repeat(32), created_at: at });
  const agents: { id: number; name: string; email: string }[] = [];
  // Rows written directly (no password hashing: nobody signs in here).
  for (let i = 0; i < AGENTS; i++) {
    const email = `agent${i}@bench.test`;
    const [id] = await db('users').insert({ email, name: `Agent ${i}`, role: Role.Agent, password_hash: 'x', created_at: at });
    agents.push({ id: Number(id), name: `Agent ${i}`, email });
  }
  await db.transaction(async (trx) => {
    for (const a of agents) {
      await trx('agent_status').insert({ user_id: a.id, presence: 'available', since: at });
      const issues = ISSUES.filter(() => rand() < 0.6);
      const langs = [...(rand() < 0.85 ? ['en'] : []), ...(rand() < 0.35 ? ['zh'] : [])];
      const cats = rand() < 0.5 ? [ANY_CATEGORY] : ['15', '16', '17'].filter(() => rand() < 0.5);
      const rows = [
        ...(issues.length ? issues : [IssueType.PreSale]).map((value) => ({ kind: 'issue', value })),
        ...(langs.length ? langs : ['en']).map((value) => ({ kind: 'language', value })),
        ...cats.map((value) => ({ kind: 'category', value })),
      ];
      await trx('agent_skills').insert(rows.map((r) => ({ user_id: a.id, ...r, level: 1 + Math.floor(rand() * 5) })));
    }
  });
  return { db, siteId: Number(siteId), agents };
}

function randomRequest() {
  const r = rand();
  return {
    channel: r < 0.4 ? MediaKind.Video : r < 0.6 ? MediaKind.Voice : MediaKind.Chat,
    issueType: ISSUES[Math.floor(rand() * ISSUES.length)]!,
    language: rand() < 0.75 ? 'en' : 'zh',
    vip: rand() < 0.1 ? 1 + Math.floor(rand() * 2) : 0,
    categoryIds: rand() < 1 / 3 ? [15 + Math.floor(rand() * 3)] : [],
  };
}

// ---- the domain under load ----------------------------------------------------------------

const { db, siteId, agents } = await freshDb();
const domain = new Conversations(new ConversationStore(db), null as never, createLogger('silent'), {
  routing: { wrapUpMs: 0, widenAfterMs: 60_000, maxChats: 3, maxConversations: 4, missedRingsAway: 2 },
  ringTimeoutMs: 600_000,
  // Agents set away between the rounds refuse what rang them: let that lapse at once here.
  ringRetryAfterMs: 1,
  reconnectGraceMs: 600_000,
  connectTimeoutMs: 600_000,
  queue: { maxPerSite: REQUESTS + PACED, maxWaitMs: 3_600_000 },
});
await domain.init(agents);
const agentActor = new Map<number, Actor>(agents.map((a) => [a.id, { party: { role: Role.Agent, id: String(a.id) }, name: a.name }]));
for (const a of agentActor.values()) await domain.lifecycle.connected(a.party);

const requestedAt = new Map<string, number>();
/** Each offer's time from its pass's decision to its commit, as the dispatcher reports it. */
const decisionTimes: number[] = [];
domain.lifecycle.dispatcher.onDecision = (t) => decisionTimes.push(t);
const ringAt = new Map<string, number>();
const ringing = new Map<number, string>();
const offered = new Set<string>();
let doubles = 0;
let offers = 0;
let firstOffer = 0;
let lastOffer = 0;
let handled = 0;
/** Whether agents answer their offers (and end at once): off while the rounds measure decisions. */
let answering = false;
domain.events.on('offer', (c, agentId) => {
  const t = performance.now();
  offers++;
  if (!firstOffer) firstOffer = t;
  lastOffer = t;
  if (ringing.has(agentId) || offered.has(c.id)) doubles++;
  ringing.set(agentId, c.id);
  offered.add(c.id);
  if (!ringAt.has(c.id)) ringAt.set(c.id, t);
  if (!answering) return;
  // The agent answers at once and the conversation ends at once: the agent frees up.
  setImmediate(async () => {
    const actor = agentActor.get(agentId)!;
    try {
      await domain.lifecycle.accept(actor, c.id);
      await domain.lifecycle.end(actor, c.id);
      handled++;
    } catch (err) {
      log(`accept/end failed: ${(err as Error).message}`);
    }
  });
});
domain.events.on('offerEnded', (c, agentId) => {
  if (ringing.get(agentId) === c.id) ringing.delete(agentId);
  offered.delete(c.id);
});

async function request(i: number, prefix: string): Promise<void> {
  const shopper: Actor = { party: { role: Role.Shopper, id: `${prefix}${i}` }, name: '' };
  const need = randomRequest();
  // Its socket is open (as the transport says before a start).
  await domain.lifecycle.connected(shopper.party);
  const t = performance.now();
  const c = await domain.lifecycle.start(
    { shopper, siteId, net: `net-${i}`, channel: need.channel, issueType: need.issueType, language: need.language, customer: null, product: null, pageUrl: '' },
    async () => ({
      customer: need.vip ? { id: i + 1, name: 'VIP', email: 'vip@bench.test', vip: need.vip } : null,
      product: need.categoryIds.length ? { id: 101, name: 'P', permalink: '', price: '1', image: null, categories: need.categoryIds.map((id) => ({ id, name: `c${id}` })) } : null,
    }),
  );
  requestedAt.set(c.id, t);
}

async function drained(total: number, label: string): Promise<void> {
  const until = Date.now() + 600_000;
  let shown = 0;
  while (handled < total && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    if (handled - shown >= 1000) log(`  ${label}: ${(shown = handled)} of ${total} handled`);
  }
  await domain.settled();
}

log(`bench:routing: ${AGENTS} agents, ${REQUESTS} requests at once, ${ROUNDS} rounds of every agent freed at once, then ${PACED} at 100/s`);
const setAll = async (presence: Presence.Available | Presence.Away) => {
  for (const a of agentActor.values()) await domain.lifecycle.setPresence(a, presence);
  await domain.settled();
};

// 1. Intake: every agent away, 10,000 requests at once.
await setAll(Presence.Away);
const t0 = performance.now();
await Promise.all(Array.from({ length: REQUESTS }, (_, i) => request(i, 'burst-')));
await domain.settled();
const queuedIn = performance.now() - t0;

// 2. Decisions: every agent becomes free at once (one statement, then one dispatch); time until
// the router has rung all it can. Then all away again (their rings go back to the queue).
const roundMs: number[] = [];
let roundOffers = 0;
const decisionsBefore = decisionTimes.length;
for (let r = 0; r < ROUNDS; r++) {
  const from = offers;
  const t = performance.now();
  await db('agent_status').update({ presence: Presence.Available, missed_rings: 0 });
  for (const a of domain.core.agents.values()) a.presence = Presence.Available;
  domain.lifecycle.dispatch();
  await domain.settled();
  roundMs.push(lastOffer - t);
  roundOffers += offers - from;
  log(`  round ${r + 1}: ${offers - from} offers in ${ms(lastOffer - t)} ms`);
  await setAll(Presence.Away);
}
/** From the pass's decision to its offer's commit, when 500 agents free up at once (batches of 100 in turn). */
const massMs = decisionTimes.slice(decisionsBefore);

// 3. Drain: agents answer every offer and end at once; the queue empties through the router.
answering = true;
const drainFrom = offers;
firstOffer = 0;
await setAll(Presence.Available);
await drained(REQUESTS, 'burst');
const burstOffers = offers - drainFrom;
const burstSpan = lastOffer - firstOffer;
const burstRing = [...requestedAt].filter(([id]) => ringAt.has(id)).map(([id, t]) => ringAt.get(id)! - t);

// Request → ring with agents free.
requestedAt.clear();
ringAt.clear();
const before = handled;
const pacedFrom = decisionTimes.length;
for (let i = 0; i < PACED; i++) {
  void request(i, 'paced-');
  await new Promise((r) => setTimeout(r, 10));
}
await drained(before + PACED, 'paced');
/** Decision latency as requests come one by one: from the pass's decision to its offer's commit. */
const decisionMs = decisionTimes.slice(pacedFrom);
const pacedRing = [...requestedAt].filter(([id]) => ringAt.has(id)).map(([id, t]) => ringAt.get(id)! - t);

// The database's word: never two agents on one request, never an agent over capacity.
const answeredTwice = (await db('participants').where({ role: Role.Agent }).groupBy('conversation_id').havingRaw('count(*) > 1').select('conversation_id')).length;
const stuck = Number(((await db('conversations').whereIn('state', ['queued', 'offered', 'active']).count({ n: '*' })) as [{ n: number }])[0].n);
const overCapacity = Number(((await db('agent_status').where('calls', '>', 1).orWhere('chats', '>', 3).count({ n: '*' })) as [{ n: number }])[0].n);
await domain.stop();
await db.destroy();

// ---- baseline: the bare offer transaction, no routing ----------------------------------------
const base = await freshDb();
const store = new ConversationStore(base.db);
const at = new Date().toISOString();
await base.db.transaction(async (trx) => {
  for (let i = 0; i < REQUESTS; i++)
    await trx('conversations').insert({
      id: `c${i}`, site_id: base.siteId, shopper_id: `s${i}`, net: 'n', context: '{"customer":null,"product":null}', page_url: '', channel: 'chat', state: 'queued',
      requested_at: at, issue_type: 'pre_sale', language: 'en',
    });
});
const bareMs: number[] = [];
const tb = performance.now();
for (let i = 0; i < REQUESTS; i++) {
  const agent = base.agents[i % base.agents.length]!;
  if (i % base.agents.length === 0 && i > 0) await base.db('agent_status').update({ ring_conversation: null });
  const t = performance.now();
  await store.offerMany([{ id: `c${i}`, agentId: agent.id, call: false }], at, Date.now() + 60_000, Date.now(), { maxChats: 3, maxTotal: 4 });
  bareMs.push(performance.now() - t);
}
const bareSpan = performance.now() - tb;
await base.db.destroy();

// Decisions per second: offers ÷ time from every agent freed to the last offer rung, over the
// rounds. The drain rate (offers ÷ first to last) also pays each conversation's accept and end.
const decisionsPerSecond = Math.round((roundOffers / roundMs.reduce((a, b) => a + b, 0)) * 1000);
const drainPerSecond = Math.round((burstOffers / burstSpan) * 1000);
const barePerSecond = Math.round((REQUESTS / bareSpan) * 1000);
const rows: [string, string][] = [
  ['requests queued at once', `${REQUESTS} in ${ms(queuedIn)} ms`],
  ['routing decisions / s (every agent freed at once)', `${decisionsPerSecond} (${roundOffers} offers in ${ROUNDS} rounds)`],
  ['drain: offers with every accept and end', `${burstOffers} in ${ms(burstSpan)} ms (${drainPerSecond}/s)`],
  ['decision latency p50 / p99 (requests one by one)', `${ms(pct(decisionMs, 50))} / ${ms(pct(decisionMs, 99))} ms`],
  ['decision latency p50 / p99 (500 agents freed at once)', `${ms(pct(massMs, 50))} / ${ms(pct(massMs, 99))} ms`],
  ['burst request → ring p50 / p99 (queue wait)', `${ms(pct(burstRing, 50))} / ${ms(pct(burstRing, 99))} ms`],
  ['request → ring, agents free, p50 / p99', `${ms(pct(pacedRing, 50))} / ${ms(pct(pacedRing, 99))} ms`],
  ['double assignments (events / stored)', `${doubles} / ${answeredTwice}`],
  ['agents over capacity / conversations left live', `${overCapacity} / ${stuck}`],
  ['baseline: bare offer transactions / s', `${barePerSecond} (p50 ${ms(pct(bareMs, 50))} ms)`],
  ['ratio decisions / bare transactions', `${(decisionsPerSecond / barePerSecond).toFixed(2)}`],
];
for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
console.log(
  JSON.stringify({
    bench: 'routing', agents: AGENTS, requests: REQUESTS, decisionsPerSecond, drainPerSecond, p50Ms: ms(pct(decisionMs, 50)), p99Ms: ms(pct(decisionMs, 99)),
    massP50Ms: ms(pct(massMs, 50)), massP99Ms: ms(pct(massMs, 99)),
    requestToRingP50Ms: ms(pct(pacedRing, 50)), requestToRingP99Ms: ms(pct(pacedRing, 99)), doubleAssignments: doubles + answeredTwice,
    overCapacity, leftLive: stuck, bareOffersPerSecond: barePerSecond, ratio: Number((decisionsPerSecond / barePerSecond).toFixed(2)),
  }),
);
