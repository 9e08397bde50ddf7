/**
 * Contact-centre KPIs for supervisors and admins: `GET /api/stats/kpis?days=N`.
 *
 * The period is rolling: `to` is the moment of the request, `from` is `to` minus N × 24 hours
 * (N an integer 1–{@link KPI_MAX_DAYS}, default {@link KPI_DEFAULT_DAYS}); a time belongs to the period
 * when `from ≤ t < to`. What each figure counts:
 *
 * - `conversations`: conversations an agent answered (`answered_at` set) that ended in the period.
 *   Per agent: those whose handling agent is that agent — the agent participant who joined last
 *   (after a transfer, the agent who had it at the end; the same agent a rating is given to).
 * - `abandoned`: conversations that ended in the period without an agent ever answering (the
 *   shopper left, the queue timed out, the connection dropped…). Overall only: 0 per agent.
 * - `ahtMs` (average handle time): the mean of `ended_at − answered_at` over the `conversations`
 *   counted, in milliseconds; null when there are none.
 * - `resolved`: tickets whose status is resolved and whose `resolved_at` is in the period, that have
 *   at least one answered conversation (offline messages nobody talked about are left out).
 *   Per agent: the ticket counts for the handling agent of its first answered conversation.
 * - `fcr` (first-contact resolution): of those `resolved` tickets, the share with exactly one
 *   answered conversation; null when `resolved` is 0.
 * - `ratings`, `csat`, `distribution`: the ratings given in the period (`created_at`), their count,
 *   mean score (1–5; null when none) and how many of each score (`distribution[0]` counts 1s …
 *   `distribution[4]` counts 5s). Per agent: the ratings given to that agent.
 *
 * `agents` lists every agent who has a figure above 0 in the period, by name.
 */
import { z } from 'zod';

/** The goals the product owner set: first-contact resolution at least 85 %, average handle time at most 3 minutes. */
export const KPI_GOALS = { fcr: 0.85, ahtMs: 180_000 } as const;
export const KPI_DEFAULT_DAYS = 7;
export const KPI_MAX_DAYS = 90;

const count = z.number().int().nonnegative();

export const Kpis = z.object({
  conversations: count,
  abandoned: count,
  ahtMs: z.number().nonnegative().nullable(),
  fcr: z.number().min(0).max(1).nullable(),
  resolved: count,
  csat: z.number().min(1).max(5).nullable(),
  ratings: count,
  distribution: z.tuple([count, count, count, count, count]),
});
export type Kpis = z.infer<typeof Kpis>;

export const AgentKpis = Kpis.extend({ agentId: z.number().int(), name: z.string() });
export type AgentKpis = z.infer<typeof AgentKpis>;

export const KpiReport = z.object({
  from: z.string(),
  to: z.string(),
  overall: Kpis,
  agents: z.array(AgentKpis),
  goals: z.object({ fcr: z.literal(KPI_GOALS.fcr), ahtMs: z.literal(KPI_GOALS.ahtMs) }),
});
export type KpiReport = z.infer<typeof KpiReport>;

/** The query: `days`, an integer 1–90 written in plain digits (default 7). */
export const KpiQuery = z.object({
  days: z
    .string()
    .regex(/^[1-9][0-9]?$/, 'a whole number of days, 1 to 90')
    .transform(Number)
    .refine((n) => n <= KPI_MAX_DAYS, 'a whole number of days, 1 to 90')
    .optional()
    .transform((n) => n ?? KPI_DEFAULT_DAYS),
});
export type KpiQuery = z.infer<typeof KpiQuery>;
