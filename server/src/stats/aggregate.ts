import type { Kpis } from '../../../protocol/index';

/** A conversation that ended in the period (times in epoch ms). `agentId`: its handling agent. */
export type ConversationFact = { answeredAt: number | null; endedAt: number; agentId: number | null };
/** A ticket resolved in the period: how many answered conversations it has (≥ 1) and its first one's handling agent. */
export type TicketFact = { conversations: number; firstAgentId: number | null };
/** A rating given in the period. */
export type RatingFact = { score: number; agentId: number | null };
export type KpiFacts = { conversations: ConversationFact[]; tickets: TicketFact[]; ratings: RatingFact[] };

/** Running sums of one set of figures. */
class Tally {
  answered = 0;
  abandoned = 0;
  handleMs = 0;
  resolved = 0;
  firstContact = 0;
  scoreSum = 0;
  distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];

  figures(): Kpis {
    const ratings = this.distribution.reduce((a, b) => a + b, 0);
    return {
      conversations: this.answered,
      abandoned: this.abandoned,
      ahtMs: this.answered ? this.handleMs / this.answered : null,
      fcr: this.resolved ? this.firstContact / this.resolved : null,
      resolved: this.resolved,
      csat: ratings ? this.scoreSum / ratings : null,
      ratings,
      distribution: [...this.distribution],
    };
  }
}

/**
 * The KPIs of one period, overall and per agent, from the facts of that period (see protocol/kpis.ts
 * for what each figure counts). Pure: the facts are already filtered to the period. An agent id of
 * null counts overall only.
 */
export class KpiAccumulator {
  private readonly overall = new Tally();
  private readonly agents = new Map<number, Tally>();

  private of(agentId: number | null): Tally | null {
    if (agentId === null) return null;
    let t = this.agents.get(agentId);
    if (!t) this.agents.set(agentId, (t = new Tally()));
    return t;
  }

  conversation(c: ConversationFact): void {
    if (c.answeredAt === null) {
      this.overall.abandoned++;
      return;
    }
    const ms = Math.max(0, c.endedAt - c.answeredAt);
    for (const t of [this.overall, this.of(c.agentId)]) {
      if (!t) continue;
      t.answered++;
      t.handleMs += ms;
    }
  }

  ticket(k: TicketFact): void {
    for (const t of [this.overall, this.of(k.firstAgentId)]) {
      if (!t) continue;
      t.resolved++;
      if (k.conversations === 1) t.firstContact++;
    }
  }

  rating(r: RatingFact): void {
    if (!Number.isInteger(r.score) || r.score < 1 || r.score > 5) return;
    for (const t of [this.overall, this.of(r.agentId)]) {
      if (!t) continue;
      t.scoreSum += r.score;
      t.distribution[r.score - 1]!++;
    }
  }

  result(): { overall: Kpis; agents: Map<number, Kpis> } {
    return { overall: this.overall.figures(), agents: new Map([...this.agents].map(([id, t]) => [id, t.figures()])) };
  }
}

export function aggregateKpis(facts: KpiFacts): { overall: Kpis; agents: Map<number, Kpis> } {
  const acc = new KpiAccumulator();
  for (const c of facts.conversations) acc.conversation(c);
  for (const t of facts.tickets) acc.ticket(t);
  for (const r of facts.ratings) acc.rating(r);
  return acc.result();
}
