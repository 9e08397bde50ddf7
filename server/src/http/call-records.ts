import { CallList, CallRecord } from '../../../protocol/index';
import { iso, type Db } from '../db/index';

type Row = Record<string, unknown>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A stored call as the API returns it; parsing also checks what the database holds. */
function summary(row: Row) {
  return {
    id: row.id,
    state: row.state,
    media: row.media,
    agentId: num(row.agent_id),
    customerId: num(row.customer_id),
    customerName: row.customer_name ?? null,
    productId: num(row.product_id),
    productName: row.product_name ?? null,
    pageUrl: row.page_url,
    requestedAt: iso(row.requested_at),
    ringingAt: iso(row.ringing_at),
    answeredAt: iso(row.answered_at),
    mediaAt: iso(row.media_at),
    endedAt: iso(row.ended_at),
    endedBy: row.ended_by ?? null,
    endReason: row.end_reason ?? null,
  };
}

export async function callRecord(db: Db, id: string): Promise<CallRecord | null> {
  const row = await db('calls').where({ id }).first<Row | undefined>();
  if (!row) return null;
  const [{ n }] = (await db('qos_samples').where({ call_id: id }).count({ n: '*' })) as [{ n: number | string }];
  const attempts: Row[] = await db('ring_attempts').where({ call_id: id }).orderBy('id');
  return CallRecord.parse({
    ...summary(row),
    qosSamples: Number(n),
    ringAttempts: attempts.map((a) => ({ agentId: Number(a.agent_id), startedAt: iso(a.started_at), endedAt: iso(a.ended_at), outcome: a.outcome ?? null })),
  });
}

export async function listCalls(db: Db, limit: number): Promise<CallList> {
  const rows: Row[] = await db('calls').orderBy('requested_at', 'desc').limit(limit);
  return CallList.parse({ calls: rows.map(summary) });
}
