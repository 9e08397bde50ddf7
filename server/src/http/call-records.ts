import { iso, type Db } from '../db/index';

type Row = Record<string, unknown>;

/** A stored call with every timestamp of its life, as the API returns it. */
function record(row: Row, qosSamples: number) {
  return {
    id: String(row.id),
    state: String(row.state),
    media: String(row.media),
    agentId: row.agent_id === null ? null : Number(row.agent_id),
    customerId: row.customer_id === null ? null : Number(row.customer_id),
    customerName: (row.customer_name as string | null) ?? null,
    productId: row.product_id === null ? null : Number(row.product_id),
    productName: (row.product_name as string | null) ?? null,
    pageUrl: String(row.page_url),
    requestedAt: iso(row.requested_at),
    ringingAt: iso(row.ringing_at),
    answeredAt: iso(row.answered_at),
    mediaAt: iso(row.media_at),
    endedAt: iso(row.ended_at),
    endedBy: (row.ended_by as string | null) ?? null,
    endReason: (row.end_reason as string | null) ?? null,
    qosSamples,
  };
}

export type CallRecord = ReturnType<typeof record>;

export async function callRecord(db: Db, id: string): Promise<CallRecord | null> {
  const row = await db('calls').where({ id }).first<Row | undefined>();
  if (!row) return null;
  const [{ n }] = (await db('qos_samples').where({ call_id: id }).count({ n: '*' })) as [{ n: number | string }];
  const attempts = await db('ring_attempts').where({ call_id: id }).orderBy('id');
  return {
    ...record(row, Number(n)),
    ringAttempts: attempts.map((a: Row) => ({
      agentId: Number(a.agent_id),
      startedAt: iso(a.started_at),
      endedAt: iso(a.ended_at),
      outcome: (a.outcome as string | null) ?? null,
    })),
  } as CallRecord;
}

export async function listCalls(db: Db, limit: number): Promise<CallRecord[]> {
  const rows: Row[] = await db('calls').orderBy('requested_at', 'desc').limit(limit);
  return rows.map((r) => record(r, 0));
}
