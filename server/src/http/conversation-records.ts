import { ConversationList, ConversationRecord } from '../../../protocol/index';
import { conversationView } from '../conversations/model';
import { mediaFromRow, type ConversationStore } from '../conversations/store';
import { iso } from '../db/index';

type Row = Record<string, unknown>;

/** A stored conversation as the API returns it; parsing also checks what the database holds. */
export async function conversationRecord(store: ConversationStore, id: string): Promise<ConversationRecord | null> {
  const { db } = store;
  const c = await store.load(id);
  if (!c) return null;
  const row = (await db('conversations').where({ id }).first<Row>())!;
  const count = async (table: string) => Number(((await db(table).where({ conversation_id: id }).count({ n: '*' })) as [{ n: number | string }])[0].n);
  const media: Row[] = await db('media_sessions').where({ conversation_id: id }).orderBy('started_at');
  const offers: Row[] = await db('offers').where({ conversation_id: id }).orderBy('id');
  const { lastQos: _unused, ...view } = conversationView(c);
  void _unused;
  return ConversationRecord.parse({
    ...view,
    customerId: row.customer_id ?? null,
    productId: row.product_id ?? null,
    pageUrl: c.pageUrl,
    qosSamples: await count('conversation_qos'),
    messages: await count('messages'),
    mediaSessions: media.map((m) => mediaFromRow(m)).map(({ connectDeadline: _d, ...m }) => (void _d, m)),
    offers: offers.map((o) => ({ agentId: Number(o.agent_id), startedAt: iso(o.started_at), endedAt: iso(o.ended_at), outcome: o.outcome ?? null })),
  });
}

/** The latest conversations, newest first. */
export async function listConversations(store: ConversationStore, limit: number): Promise<ConversationList> {
  const rows: Row[] = await store.db('conversations').orderBy('requested_at', 'desc').limit(limit).select('id');
  const all = await Promise.all(rows.map((r) => store.load(String(r.id))));
  return ConversationList.parse({
    conversations: all.filter((c) => c !== null).map((c) => {
      const { lastQos: _q, ...v } = conversationView(c);
      void _q;
      return v;
    }),
  });
}
