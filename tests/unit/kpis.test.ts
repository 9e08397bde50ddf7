/**
 * The KPI aggregation (server/src/stats/aggregate.ts) against a naive reference over random
 * periods: conversations answered or not with any handling agent, resolved tickets with one or
 * more conversations, ratings 1–5. Overall and per agent, every figure must match exactly (means
 * to floating-point rounding), and the report must satisfy the protocol's schema.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KPI_GOALS, KpiReport, type Kpis } from '../../protocol/index';
import { percent } from '../../dashboard/src/format';
import { aggregateKpis, type ConversationFact, type KpiFacts, type RatingFact, type TicketFact } from '../../server/src/stats/aggregate';

const agent = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 5 });
const conversation: fc.Arbitrary<ConversationFact> = fc
  .record({ endedAt: fc.integer({ min: 0, max: 1e10 }), handle: fc.option(fc.integer({ min: 0, max: 36e5 }), { nil: null }), agentId: agent })
  .map(({ endedAt, handle, agentId }) => ({ endedAt, answeredAt: handle === null ? null : endedAt - handle, agentId }));
const ticket: fc.Arbitrary<TicketFact> = fc.record({ conversations: fc.integer({ min: 1, max: 4 }), firstAgentId: agent });
const rating: fc.Arbitrary<RatingFact> = fc.record({ score: fc.integer({ min: 1, max: 5 }), agentId: agent });
const facts: fc.Arbitrary<KpiFacts> = fc.record({
  conversations: fc.array(conversation, { maxLength: 60 }),
  tickets: fc.array(ticket, { maxLength: 40 }),
  ratings: fc.array(rating, { maxLength: 40 }),
});

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** The figures computed the obvious way, for one agent (or overall: `who` undefined). */
function reference(f: KpiFacts, who?: number): Kpis {
  const mine = <T extends { agentId?: number | null; firstAgentId?: number | null }>(x: T) => who === undefined || (x.agentId ?? x.firstAgentId) === who;
  const answered = f.conversations.filter((c) => c.answeredAt !== null && mine(c));
  const tickets = f.tickets.filter(mine);
  const ratings = f.ratings.filter(mine);
  return {
    conversations: answered.length,
    abandoned: who === undefined ? f.conversations.filter((c) => c.answeredAt === null).length : 0,
    ahtMs: mean(answered.map((c) => c.endedAt - c.answeredAt!)),
    resolved: tickets.length,
    fcr: tickets.length ? tickets.filter((t) => t.conversations === 1).length / tickets.length : null,
    csat: mean(ratings.map((r) => r.score)),
    ratings: ratings.length,
    distribution: [1, 2, 3, 4, 5].map((s) => ratings.filter((r) => r.score === s).length) as Kpis['distribution'],
  };
}

function close(actual: Kpis, expected: Kpis, label: string): void {
  const { ahtMs, fcr, csat, ...exact } = actual;
  const { ahtMs: eA, fcr: eF, csat: eC, ...eExact } = expected;
  expect(exact, label).toEqual(eExact);
  for (const [a, e, name] of [[ahtMs, eA, 'ahtMs'], [fcr, eF, 'fcr'], [csat, eC, 'csat']] as const) {
    if (e === null) expect(a, `${label} ${name}`).toBeNull();
    else expect(a, `${label} ${name}`).toBeCloseTo(e, 6);
  }
}

describe('KPI aggregation', () => {
  it('matches the naive reference overall and for every agent, and lists exactly the agents with a figure', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const { overall, agents } = aggregateKpis(f);
        close(overall, reference(f), 'overall');
        const expectedAgents = new Set<number>();
        for (const c of f.conversations) if (c.answeredAt !== null && c.agentId !== null) expectedAgents.add(c.agentId);
        for (const t of f.tickets) if (t.firstAgentId !== null) expectedAgents.add(t.firstAgentId);
        for (const r of f.ratings) if (r.agentId !== null) expectedAgents.add(r.agentId);
        expect(new Set(agents.keys())).toEqual(expectedAgents);
        for (const [id, k] of agents) close(k, reference(f, id), `agent ${id}`);
        // The sums per agent never exceed the overall figures.
        const sum = (pick: (k: Kpis) => number) => [...agents.values()].reduce((a, k) => a + pick(k), 0);
        expect(sum((k) => k.conversations)).toBeLessThanOrEqual(overall.conversations);
        expect(sum((k) => k.ratings)).toBeLessThanOrEqual(overall.ratings);
        KpiReport.parse({ from: 'a', to: 'b', overall, agents: [...agents].map(([agentId, k]) => ({ agentId, name: `#${agentId}`, ...k })), goals: KPI_GOALS });
      }),
      { numRuns: 300 },
    );
  });

  it('gives null means, not zeros, for a period with nothing in it', () => {
    expect(aggregateKpis({ conversations: [], tickets: [], ratings: [] })).toEqual({
      overall: { conversations: 0, abandoned: 0, ahtMs: null, fcr: null, resolved: 0, csat: null, ratings: 0, distribution: [0, 0, 0, 0, 0] },
      agents: new Map(),
    });
  });

  it('a worked example: 2 answered (60 s, 240 s), 1 abandoned, 3 of 4 tickets first-contact, ratings 5, 4, 1', () => {
    const { overall, agents } = aggregateKpis({
      conversations: [
        { answeredAt: 0, endedAt: 60_000, agentId: 1 },
        { answeredAt: 10_000, endedAt: 250_000, agentId: 2 },
        { answeredAt: null, endedAt: 5_000, agentId: null },
      ],
      tickets: [{ conversations: 1, firstAgentId: 1 }, { conversations: 1, firstAgentId: 1 }, { conversations: 2, firstAgentId: 2 }, { conversations: 1, firstAgentId: 2 }],
      ratings: [{ score: 5, agentId: 1 }, { score: 4, agentId: 2 }, { score: 1, agentId: 2 }],
    });
    expect(overall).toEqual({ conversations: 2, abandoned: 1, ahtMs: 150_000, fcr: 0.75, resolved: 4, csat: 10 / 3, ratings: 3, distribution: [1, 0, 0, 1, 1] });
    expect(agents.get(1)).toEqual({ conversations: 1, abandoned: 0, ahtMs: 60_000, fcr: 1, resolved: 2, csat: 5, ratings: 1, distribution: [0, 0, 0, 0, 1] });
    expect(agents.get(2)).toEqual({ conversations: 1, abandoned: 0, ahtMs: 240_000, fcr: 0.5, resolved: 2, csat: 2.5, ratings: 2, distribution: [1, 0, 0, 1, 0] });
  });
});

describe('the dashboard’s percent', () => {
  it('rounds down, so a share just under the goal never reads as the goal', () => {
    expect([percent(null), percent(0), percent(0.57), percent(0.849), percent(0.85), percent(1)]).toEqual(['—', '0%', '57%', '84%', '85%', '100%']);
  });
});
