/**
 * The router's decisions (server/src/routing/router.ts), on examples and on thousands of random
 * queues and agent pools: every offer it returns is one the rules allow, no agent or request is
 * used twice, VIP goes before non-VIP for the same agents, the longest-idle eligible agent is
 * chosen, and no request is left waiting while an agent who could take it is left free.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_CATEGORY, IssueType, MediaKind } from '../../protocol/index';
import { estimateQueue, type Staffed } from '../../server/src/routing/estimate';
import { assign, isWidened, queueOrder, widensAt, type FreeAgent, type Waiting } from '../../server/src/routing/router';
import { canServe, isCall, skillsOf, type SkillRow } from '../../server/src/routing/skills';

const RULES = { widenAfterMs: 60_000 };
const NOW = 1_000_000;
const ISSUES = Object.values(IssueType);

const skill = (kind: SkillRow['kind'], value: string, level = 3): SkillRow => ({ kind, value, level });
const agent = (id: number, idleSince: number, rows: SkillRow[], over: Partial<FreeAgent> = {}): FreeAgent => ({
  id, idleSince, skills: skillsOf(rows), canCall: true, canChat: true, ...over,
});
const request = (id: string, over: Omit<Partial<Waiting>, 'need'> & { need?: Partial<Waiting['need']> } = {}): Waiting => ({
  id, vip: 0, requestedAt: NOW - 1000, ...over,
  need: { channel: MediaKind.Chat, issueType: IssueType.AfterSales, language: 'en', categoryIds: [], ...over.need },
});
const all: SkillRow[] = [...ISSUES.map((i) => skill('issue', i)), skill('language', 'en'), skill('category', ANY_CATEGORY)];

describe('assign (examples)', () => {
  it('offers the longest idle agent who has the skills; one without the skill is not offered', () => {
    const noAfterSales = agent(1, 10, [skill('issue', IssueType.PreSale), skill('language', 'en'), skill('category', ANY_CATEGORY)]);
    const idle = agent(2, 20, all);
    const idler = agent(3, 5, [...all.filter((r) => r.kind !== 'language'), skill('language', 'zh')]);
    expect(assign([request('r')], [noAfterSales, idle, idler], NOW, RULES).map((p) => p.agent.id)).toEqual([2]);
  });

  it('puts VIP before non-VIP for the same skills, then the earlier request', () => {
    const reqs = [request('early', { requestedAt: NOW - 5000 }), request('vip', { vip: 2, requestedAt: NOW - 10 }), request('late', { requestedAt: NOW - 100 })].sort(queueOrder);
    expect(reqs.map((r) => r.id)).toEqual(['vip', 'early', 'late']);
    expect(assign(reqs, [agent(1, 0, all)], NOW, RULES).map((p) => p.request.id)).toEqual(['vip']);
  });

  it('matches categories (or any category), and widens to the issue type alone after the widening time', () => {
    const lighting = agent(1, 0, [skill('issue', IssueType.AfterSales), skill('language', 'en'), skill('category', '17')]);
    const kitchen = request('kitchen', { need: { categoryIds: [16] } });
    expect(assign([kitchen], [lighting], NOW, RULES)).toEqual([]);
    expect(assign([request('lamp', { need: { categoryIds: [16, 17] } })], [lighting], NOW, RULES)).toHaveLength(1);
    const zhOnly = agent(2, 0, [skill('issue', IssueType.AfterSales), skill('language', 'zh')]);
    const old = request('old', { requestedAt: NOW - RULES.widenAfterMs, need: { categoryIds: [16] } });
    expect(assign([old], [zhOnly], NOW, RULES)).toHaveLength(1);
    expect(assign([{ ...old, requestedAt: NOW - RULES.widenAfterMs + 1 }], [zhOnly], NOW, RULES)).toEqual([]);
  });

  it('needs a free call slot for voice and video, a chat slot for chat', () => {
    const inCall = agent(1, 0, all, { canCall: false });
    expect(assign([request('v', { need: { channel: MediaKind.Video } })], [inCall], NOW, RULES)).toEqual([]);
    expect(assign([request('c')], [inCall], NOW, RULES)).toHaveLength(1);
    expect(assign([request('c')], [agent(2, 0, all, { canChat: false })], NOW, RULES)).toEqual([]);
  });

  it('skips an agent who refused the request until the refusal lapses', () => {
    const r = request('r', { refused: new Map([[1, NOW + 1]]) });
    expect(assign([r], [agent(1, 0, all), agent(2, 9, all)], NOW, RULES).map((p) => p.agent.id)).toEqual([2]);
    expect(assign([r], [agent(1, 0, all)], NOW + 1, RULES).map((p) => p.agent.id)).toEqual([1]);
  });

  it('places each request among those that compete for its agents, and estimates the wait from the free and busy slots', () => {
    const en = { skills: skillsOf(all), staffed: true, idle: true, calls: 1, chats: 0, maxChats: 2, maxTotal: 3 };
    const zh = { ...en, skills: skillsOf([...all.filter((r) => r.kind !== 'language'), skill('language', 'zh')]) };
    const reqs = [
      request('a', { need: { channel: MediaKind.Video } }), request('b', { requestedAt: NOW, need: { channel: MediaKind.Voice } }),
      request('c'), request('d', { need: { channel: MediaKind.Video, language: 'zh' } }),
    ].sort(queueOrder);
    const times = { handleMs: (call: boolean) => (call ? 200_000 : 400_000), answerMs: 5_000 };
    const est = estimateQueue(reqs, [en, en, zh], NOW, { widenAfterMs: Infinity }, times);
    // Calls: a then b compete for the two English agents, both in a call: b waits for two of them to free.
    expect(est.get('a')).toEqual({ position: 1, available: true, waitMs: 5_000 + 200_000 / 2 });
    expect(est.get('b')).toEqual({ position: 2, available: true, waitMs: 5_000 + (2 * 200_000) / 2 });
    // A chat takes a free chat slot at once; the Chinese call competes with nobody but waits for its one agent.
    expect(est.get('c')).toEqual({ position: 1, available: true, waitMs: 5_000 });
    expect(est.get('d')).toEqual({ position: 1, available: true, waitMs: 5_000 + 200_000 });
    // Widening in 59 s: then the Chinese agent may take it too, so the rest of the line moves at three agents' pace.
    expect(estimateQueue(reqs, [en, en, zh], NOW, RULES, times).get('a')!.waitMs).toBe(Math.round(5_000 + 59_000 + ((1 - (2 * 59_000) / 200_000) * 200_000) / 3));
    // Nobody at work: no estimate.
    expect(estimateQueue(reqs, [{ ...en, staffed: false }], NOW, RULES, times).get('a')).toEqual({ position: 1, available: false, waitMs: null });
  });

  it('counts the widening of a transferred request from its transfer, not from when it was first asked', () => {
    const en = { skills: skillsOf(all), staffed: true, idle: true, calls: 1, chats: 0, maxChats: 2, maxTotal: 3 };
    const zh = { ...en, skills: skillsOf([...all.filter((r) => r.kind !== 'language'), skill('language', 'zh')]) };
    const times = { handleMs: () => 200_000, answerMs: 5_000 };
    // Asked two minutes ago, handed back to the queue 1 s ago: it widens in 59 s, as a new one would.
    const handedBack = request('t', { requestedAt: NOW - 120_000, since: NOW - 1_000, need: { channel: MediaKind.Video } });
    const fresh = request('f', { requestedAt: NOW - 1_000, need: { channel: MediaKind.Video } });
    const wait = (w: Waiting) => estimateQueue([w], [en, zh], NOW, RULES, times).get(w.id)!.waitMs;
    expect(wait(handedBack)).toBe(wait(fresh));
    expect(isWidened(handedBack, NOW, RULES)).toBe(false);
    expect(widensAt(handedBack, RULES)).toBe(NOW + 59_000);
  });
});

// ---- properties ---------------------------------------------------------------------------------

const langs = ['en', 'zh', 'de'];
const cats = [15, 16, 17];
const skillRows: fc.Arbitrary<SkillRow[]> = fc.record({
  issues: fc.subarray(ISSUES, { minLength: 0 }),
  languages: fc.subarray(langs),
  categories: fc.subarray([...cats.map(String), ANY_CATEGORY]),
}).map((s) => [...s.issues.map((v) => skill('issue', v)), ...s.languages.map((v) => skill('language', v)), ...s.categories.map((v) => skill('category', v))]);
const agents = fc.uniqueArray(
  fc.record({ id: fc.integer({ min: 1, max: 40 }), idleSince: fc.integer({ min: 0, max: 50 }), rows: skillRows, canCall: fc.boolean(), canChat: fc.boolean() }),
  { selector: (a) => a.id, maxLength: 12 },
).map((list) => list.map((a) => agent(a.id, a.idleSince, a.rows, { canCall: a.canCall, canChat: a.canChat })));
const requests = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    vip: fc.integer({ min: 0, max: 2 }),
    requestedAt: fc.integer({ min: NOW - 2 * RULES.widenAfterMs, max: NOW }),
    channel: fc.constantFrom(...Object.values(MediaKind)),
    issueType: fc.constantFrom(...ISSUES),
    language: fc.constantFrom(...langs),
    categoryIds: fc.subarray(cats, { maxLength: 2 }),
    refused: fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: NOW - 10, max: NOW + 10 })), { maxLength: 3 }),
    // Transferred: to one agent (or the issue type's queue), waiting since the transfer.
    transfer: fc.option(fc.record({ only: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }), since: fc.integer({ min: NOW - 2 * RULES.widenAfterMs, max: NOW }) }), { nil: undefined }),
  }),
  { selector: (r) => r.id, maxLength: 20 },
).map((list) =>
  list
    .map((r): Waiting => ({
      id: r.id, vip: r.vip, requestedAt: r.requestedAt, need: { channel: r.channel, issueType: r.issueType, language: r.language, categoryIds: r.categoryIds }, refused: new Map(r.refused),
      ...(r.transfer ? { since: Math.max(r.transfer.since, r.requestedAt), ...(r.transfer.only !== undefined ? { only: r.transfer.only } : {}) } : {}),
    }))
    .sort(queueOrder),
);

/**
 * Whether an agent may take a request under the rules: its skills (widened after the widening time,
 * counted from a transfer when there was one) or, transferred to one agent and not widened yet, that
 * agent only; a free slot; no live refusal.
 */
function allowed(r: Waiting, a: FreeAgent): boolean {
  const widened = NOW - (r.since ?? r.requestedAt) >= RULES.widenAfterMs;
  const eligible = r.only !== undefined && !widened ? a.id === r.only : canServe(a.skills, r.need, widened);
  return (isCall(r.need.channel) ? a.canCall : a.canChat) && eligible && !((r.refused?.get(a.id) ?? 0) > NOW);
}

describe('assign (properties over random queues and agent pools)', () => {
  it('makes only allowed offers, each agent and request at most once, by priority and longest idle, leaving nobody able unused', () => {
    fc.assert(
      fc.property(requests, agents, (waiting, free) => {
        const out = assign(waiting, free, NOW, RULES);
        const byRequest = new Map(out.map((p) => [p.request.id, p.agent]));
        expect(byRequest.size).toBe(out.length);
        expect(new Set(out.map((p) => p.agent.id)).size).toBe(out.length);
        const taken = new Set<number>();
        for (const r of waiting) {
          const got = byRequest.get(r.id);
          // Agents still free when this request's turn came (in queue order).
          const open = free.filter((a) => !taken.has(a.id) && allowed(r, a));
          if (got) {
            expect(allowed(r, got)).toBe(true);
            // Longest idle first among those it could have had.
            for (const b of open) expect(b.idleSince > got.idleSince || (b.idleSince === got.idleSince && b.id >= got.id)).toBe(true);
            taken.add(got.id);
          } else {
            // Not offered only when no agent free at its turn could take it: a later (lower
            // priority) request never takes an agent an earlier one could have had.
            expect(open).toEqual([]);
          }
        }
        // Nobody who could take a waiting request is left unused.
        for (const r of waiting) if (!byRequest.has(r.id)) for (const a of free) if (!taken.has(a.id)) expect(allowed(r, a)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('places requests alike 1…n in queue order, and any request after those alike ahead of it', () => {
    const staffed = agents.map((list) => list.map((a): Staffed => ({ skills: a.skills, staffed: true, idle: a.canCall, calls: a.canCall ? 0 : 1, chats: a.canChat ? 0 : 2, maxChats: 2, maxTotal: 3 })));
    fc.assert(
      fc.property(requests, staffed, (waiting, team) => {
        const est = estimateQueue(waiting, team, NOW, RULES, { handleMs: () => 180_000, answerMs: 5_000 });
        const byNeed = new Map<string, number[]>();
        for (const r of waiting) {
          const e = est.get(r.id)!;
          expect(e.position).toBeGreaterThanOrEqual(1);
          expect(e.waitMs === null || e.waitMs >= 5_000).toBe(true);
          const key = JSON.stringify([isCall(r.need.channel), r.need.issueType, r.need.language, r.need.categoryIds, NOW - (r.since ?? r.requestedAt) >= RULES.widenAfterMs]);
          byNeed.set(key, [...(byNeed.get(key) ?? []), e.position]);
        }
        // Alike requests: each one place further than the one before it, at least.
        for (const list of byNeed.values()) for (let i = 1; i < list.length; i++) expect(list[i]!).toBeGreaterThanOrEqual(list[i - 1]! + 1);
        // With a single kind of request, exactly 1…n.
        const alike = waiting.map((r) => ({ ...r, need: waiting[0]?.need ?? r.need, requestedAt: r.requestedAt }));
        const one = estimateQueue(alike, team, NOW, { widenAfterMs: Infinity }, { handleMs: () => 180_000, answerMs: 5_000 });
        expect(alike.map((r) => one.get(r.id)!.position)).toEqual(alike.map((_, i) => i + 1));
      }),
      { numRuns: 2000 },
    );
  });
});
