/**
 * The wait a shopper is shown, against the wait they then had, over a simulated working day.
 *
 * The day runs the server's own routing and estimate code (server/src/routing: `assign`,
 * `queueOrder`, `estimateQueue`, `RollingMean`) on a simulated clock:
 * - 8 hours; arrivals Poisson with a rate that rises to a midday peak: 40/h at the start and end,
 *   110/h from 11:00 to 14:00, 70/h between;
 * - requests: 55 % video or voice calls, 45 % chats; issue types uniform; 75 % English, 25 % Chinese;
 *   10 % VIP (level 1); a third about a product (one of three categories);
 * - 5 agents: 3 English generalists, 1 Chinese generalist, 1 bilingual for after-sales and
 *   technical only; two chats each besides one call;
 * - handle times exponential, mean 3 min for calls and 5 min for chats; the ring is answered after
 *   3–9 s (uniform); wrap-up 20 s; the request widens after 60 s.
 * The estimate is what the shopper is told when they first wait (a request offered at once is told
 * nothing); the real wait is from the request to the agent's answer.
 */
import { describe, expect, it } from 'vitest';
import { ANY_CATEGORY, IssueType, MediaKind } from '../../protocol/index';
import { estimateQueue, RollingMean, type Staffed } from '../../server/src/routing/estimate';
import { assign, queueOrder, type FreeAgent, type Waiting } from '../../server/src/routing/router';
import { isCall, skillsOf, type SkillRow, type Skills } from '../../server/src/routing/skills';
import { seededRandom as rng } from '../helpers/seeded';

const RULES = { widenAfterMs: 60_000 };
const WRAP_UP_MS = 20_000;
const MAX_CHATS = 2;
const HOUR = 3_600_000;


const ratePerHour = (t: number): number => (t < HOUR || t >= 7 * HOUR ? 40 : t >= 3 * HOUR && t < 6 * HOUR ? 110 : 70);

type SimAgent = { id: number; skills: Skills; idleSince: number; calls: number; chats: number; ringing: boolean; wrapUntil: number };
type Req = Waiting & { estimate: number | null; naive: number | null; answeredAt: number | null };
type Ev = { at: number; run: () => void };

function skillsFor(issues: IssueType[], langs: string[]): Skills {
  const rows: SkillRow[] = [
    ...issues.map((value) => ({ kind: 'issue' as const, value, level: 3 })),
    ...langs.map((value) => ({ kind: 'language' as const, value, level: 3 })),
    { kind: 'category', value: ANY_CATEGORY, level: 3 },
  ];
  return skillsOf(rows);
}

/** Runs one day; returns each request that waited, with what it was told and what it got. */
function simulateDay(seed: number): { estimate: number; naive: number; actual: number }[] {
  const rand = rng(seed);
  const exp = (mean: number) => -Math.log(1 - rand()) * mean;
  const all = Object.values(IssueType);
  const agents: SimAgent[] = [
    ...[1, 2, 3].map((id) => ({ id, skills: skillsFor(all, ['en']) })),
    { id: 4, skills: skillsFor(all, ['zh']) },
    { id: 5, skills: skillsFor([IssueType.AfterSales, IssueType.Technical], ['en', 'zh']) },
  ].map((a) => ({ ...a, idleSince: 0, calls: 0, chats: 0, ringing: false, wrapUntil: 0 }));
  const handle = { call: new RollingMean(100, 180_000), chat: new RollingMean(100, 300_000) };
  const answer = new RollingMean(100, 10_000);
  /** The naive estimate to beat: the mean wait of the last 20 answered requests. */
  const recentWaits = new RollingMean(20, 60_000);
  const waiting = new Map<string, Req>();
  const done: Req[] = [];
  const events: Ev[] = [];
  const at = (t: number, run: () => void) => events.push({ at: t, run });
  let now = 0;

  // Arrivals by thinning a 110/h Poisson process.
  for (let t = exp(HOUR / 110), n = 0; t < 8 * HOUR; t += exp(HOUR / 110))
    if (rand() < ratePerHour(t) / 110) {
      const r = rand();
      const req: Req = {
        id: `r${n++}`, vip: rand() < 0.1 ? 1 : 0, requestedAt: t, estimate: null, naive: null, answeredAt: null,
        need: {
          channel: r < 0.35 ? MediaKind.Video : r < 0.55 ? MediaKind.Voice : MediaKind.Chat,
          issueType: all[Math.floor(rand() * all.length)]!, language: rand() < 0.75 ? 'en' : 'zh',
          categoryIds: rand() < 1 / 3 ? [15 + Math.floor(rand() * 3)] : [],
        },
      };
      at(t, () => waiting.set(req.id, req));
      // A pass when it widens (the server arms a timer for it).
      at(t + RULES.widenAfterMs, () => {});
    }

  const dispatch = () => {
    const queue = [...waiting.values()].sort(queueOrder);
    const free: FreeAgent[] = agents
      .filter((a) => !a.ringing && a.wrapUntil <= now && (a.calls < 1 || a.chats < MAX_CHATS))
      .map((a) => ({ id: a.id, idleSince: a.idleSince, skills: a.skills, canCall: a.calls < 1, canChat: a.chats < MAX_CHATS }));
    for (const { request, agent } of assign(queue, free, now, RULES)) {
      const a = agents.find((x) => x.id === agent.id)!;
      const r = request as Req;
      waiting.delete(r.id);
      a.ringing = true;
      const call = isCall(r.need.channel);
      const ring = 3_000 + rand() * 6_000;
      at(now + ring, () => {
        a.ringing = false;
        a.idleSince = now;
        if (call) a.calls++;
        else a.chats++;
        r.answeredAt = now;
        recentWaits.add(now - r.requestedAt);
        answer.add(ring);
        done.push(r);
        const held = exp(call ? 180_000 : 300_000);
        at(now + held, () => {
          if (call) a.calls--;
          else a.chats--;
          a.wrapUntil = now + WRAP_UP_MS;
          a.idleSince = a.wrapUntil;
          handle[call ? 'call' : 'chat'].add(held);
          at(a.wrapUntil, () => {});
        });
      });
    }
    // What each newly waiting shopper is told (as the server tells it after a pass).
    const rest = queue.filter((w) => waiting.has(w.id));
    const staffed: Staffed[] = agents.map((a) => ({ skills: a.skills, staffed: true, idle: !a.ringing && a.wrapUntil <= now, calls: a.calls, chats: a.chats, maxChats: MAX_CHATS, maxTotal: 1 + MAX_CHATS }));
    const told = estimateQueue(rest, staffed, now, RULES, { handleMs: (call) => handle[call ? 'call' : 'chat'].mean() + WRAP_UP_MS, answerMs: answer.mean() });
    for (const w of rest) {
      const r = w as Req;
      if (r.estimate === null) {
        r.estimate = told.get(r.id)!.waitMs;
        r.naive = recentWaits.mean();
      }
    }
  };

  // Run every event in time order; after each instant's events, one dispatch pass (and one when a request widens).
  while (events.length) {
    events.sort((x, y) => x.at - y.at);
    now = events[0]!.at;
    while (events.length && events[0]!.at === now) events.shift()!.run();
    dispatch();
  }
  return done.filter((r) => r.estimate !== null).map((r) => ({ estimate: r.estimate!, naive: r.naive!, actual: r.answeredAt! - r.requestedAt }));
}

describe('the wait estimate over a simulated day', () => {
  it('is within 20 % on average, and its absolute error is below 65 % of the mean wait and 15 % below the mean of recent waits', () => {
    const waits = [1, 2, 3].flatMap((seed) => simulateDay(seed));
    const n = waits.length;
    const meanActual = waits.reduce((s, w) => s + w.actual, 0) / n;
    const bias = waits.reduce((s, w) => s + (w.estimate - w.actual), 0) / n;
    const mae = waits.reduce((s, w) => s + Math.abs(w.estimate - w.actual), 0) / n;
    const naiveMae = waits.reduce((s, w) => s + Math.abs(w.naive - w.actual), 0) / n;
    const within = waits.filter((w) => Math.abs(w.estimate - w.actual) <= Math.max(60_000, 0.5 * w.actual)).length / n;
    console.log(
      `wait estimate over 3 simulated days: ${n} waits, mean real wait ${(meanActual / 1000).toFixed(1)} s, ` +
        `bias ${(bias / 1000).toFixed(1)} s (${((100 * bias) / meanActual).toFixed(0)} %), mean absolute error ${(mae / 1000).toFixed(1)} s ` +
        `(${((100 * mae) / meanActual).toFixed(0)} %; the mean of recent waits: ${(naiveMae / 1000).toFixed(1)} s), within ±max(60 s, 50 %): ${(100 * within).toFixed(0)} %`,
    );
    expect(n).toBeGreaterThan(300);
    // Measured: 426 waits, bias −6 %, error 53 % (recent waits: 71 %), 72 % within ±max(60 s, 50 %).
    // An individual wait is noisy by nature: with exponential handle times the wait for the first
    // slot to free is itself exponential, whose mean absolute deviation is 74 % of its mean.
    expect(Math.abs(bias) / meanActual).toBeLessThan(0.2);
    expect(mae / meanActual).toBeLessThan(0.65);
    expect(mae).toBeLessThan(0.85 * naiveMae);
    expect(within).toBeGreaterThan(0.65);
  });
});
