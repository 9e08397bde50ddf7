import { KPI_GOALS, KpiReport, Role, TicketStatus, type AgentKpis } from '../../../protocol/index';
import { iso, type Db } from '../db/index';
import { KpiAccumulator } from './aggregate';

type Row = Record<string, unknown>;
/** Rows read per query: the period is read page by page (keyset on the primary key), never all at once. */
const PAGE = 500;
const DAY_MS = 24 * 60 * 60 * 1000;
const ms = (v: unknown): number => Date.parse(iso(v)!);

/**
 * Reads every row of a period page by page: `query(after)` selects the rows whose key is above
 * `after` (null: from the start), ordered by the key, at most PAGE of them.
 */
async function eachPage(query: (after: string | number | null) => Promise<Row[]>, key: string, use: (rows: Row[]) => Promise<void>): Promise<void> {
  let after: string | number | null = null;
  for (;;) {
    const rows = await query(after);
    if (rows.length) await use(rows);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]![key] as string | number;
  }
}

/** The handling agent of each conversation: the agent participant who joined last. */
async function handlingAgents(db: Db, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, { agent: number; joined: number; id: number }>();
  if (!ids.length) return new Map();
  const rows: Row[] = await db('participants').whereIn('conversation_id', ids).where({ role: Role.Agent }).select('id', 'conversation_id', 'party_id', 'joined_at');
  for (const r of rows) {
    const c = String(r.conversation_id);
    const cand = { agent: Number(r.party_id), joined: ms(r.joined_at), id: Number(r.id) };
    const prev = out.get(c);
    if (!prev || cand.joined > prev.joined || (cand.joined === prev.joined && cand.id > prev.id)) out.set(c, cand);
  }
  return new Map([...out].map(([c, v]) => [c, v.agent]));
}

/**
 * The KPI report of the `days` (1–90) before `now`, read with portable query builders only (no
 * database-specific functions): the rows of the period through indexed, paged queries, durations
 * and means computed here from the stored timestamps.
 */
export async function kpiReport(db: Db, days: number, now = Date.now()): Promise<KpiReport> {
  const to = new Date(now).toISOString();
  const from = new Date(now - days * DAY_MS).toISOString();
  const acc = new KpiAccumulator();

  // Conversations that ended in the period, answered or not.
  await eachPage(
    (after) => {
      const q = db('conversations').where('ended_at', '>=', from).andWhere('ended_at', '<', to);
      if (after !== null) q.andWhere('id', '>', after);
      return q.orderBy('id').limit(PAGE).select('id', 'answered_at', 'ended_at');
    },
    'id',
    async (rows) => {
      const agents = await handlingAgents(db, rows.filter((r) => r.answered_at != null).map((r) => String(r.id)));
      for (const r of rows)
        acc.conversation({ answeredAt: r.answered_at == null ? null : ms(r.answered_at), endedAt: ms(r.ended_at), agentId: agents.get(String(r.id)) ?? null });
    },
  );

  // Tickets resolved in the period, with their answered conversations.
  await eachPage(
    (after) => {
      const q = db('tickets').where({ status: TicketStatus.Resolved }).andWhere('resolved_at', '>=', from).andWhere('resolved_at', '<', to);
      if (after !== null) q.andWhere('id', '>', after);
      return q.orderBy('id').limit(PAGE).select('id');
    },
    'id',
    async (rows) => {
      const convs: Row[] = await db('conversations').whereIn('ticket_id', rows.map((r) => Number(r.id))).whereNotNull('answered_at').select('id', 'ticket_id', 'answered_at');
      const byTicket = new Map<number, Row[]>();
      for (const c of convs) byTicket.set(Number(c.ticket_id), [...(byTicket.get(Number(c.ticket_id)) ?? []), c]);
      const firsts = new Map<number, string>();
      for (const [t, cs] of byTicket) {
        const first = cs.reduce((a, b) => (ms(b.answered_at) < ms(a.answered_at) || (ms(b.answered_at) === ms(a.answered_at) && String(b.id) < String(a.id)) ? b : a));
        firsts.set(t, String(first.id));
      }
      const agents = await handlingAgents(db, [...firsts.values()]);
      for (const [t, cs] of byTicket) acc.ticket({ conversations: cs.length, firstAgentId: agents.get(firsts.get(t)!) ?? null });
    },
  );

  // Ratings given in the period.
  await eachPage(
    (after) => {
      const q = db('ratings').where('created_at', '>=', from).andWhere('created_at', '<', to);
      if (after !== null) q.andWhere('conversation_id', '>', after);
      return q.orderBy('conversation_id').limit(PAGE).select('conversation_id', 'score', 'agent_id');
    },
    'conversation_id',
    async (rows) => {
      for (const r of rows) acc.rating({ score: Number(r.score), agentId: r.agent_id == null ? null : Number(r.agent_id) });
    },
  );

  const { overall, agents } = acc.result();
  const ids = [...agents.keys()];
  const users: Row[] = ids.length ? await db('users').whereIn('id', ids).select('id', 'name') : [];
  const names = new Map(users.map((u) => [Number(u.id), String(u.name)]));
  const list: AgentKpis[] = [...agents].map(([agentId, k]) => ({ agentId, name: names.get(agentId) ?? `#${agentId}`, ...k }));
  list.sort((a, b) => a.name.localeCompare(b.name) || a.agentId - b.agentId);
  return KpiReport.parse({ from, to, overall, agents: list, goals: KPI_GOALS });
}
