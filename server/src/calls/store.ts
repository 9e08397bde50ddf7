import type { Db } from '../db/index';
import type { ActiveCall } from './live-call';
import { CallState, EndReason, EndedBy, RingEndReason, Role, type QosSample } from '../../../protocol/index';
import type { Principal } from '../auth/tokens';

/** Every write the call lifecycle makes, in one place. */
export class CallStore {
  private readonly pending = new Set<Promise<unknown>>();
  onError: (err: unknown) => void = () => {};

  constructor(private readonly db: Db) {}

  /** Keeps a background write until it settles, so `drain()` can await every one. */
  track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.onError(err));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  insertCall(c: ActiveCall, row: { siteId: number; shopperId: string; pageUrl: string }) {
    return this.db('calls').insert({
      id: c.id,
      site_id: row.siteId,
      shopper_id: row.shopperId,
      customer_id: c.customer?.id ?? null,
      customer_name: c.customer?.name ?? null,
      product_id: c.product?.id ?? null,
      product_name: c.product?.name ?? null,
      media: c.media,
      state: c.state,
      shopper_peer_id: c.shopperPeerId,
      page_url: row.pageUrl,
      requested_at: c.requestedAt,
    });
  }

  updateCall(id: string, fields: Record<string, string | number | null>) {
    return this.db('calls').where({ id }).update(fields);
  }

  async startRing(callId: string, agentId: number, at: string): Promise<number> {
    const [row] = await this.db('ring_attempts')
      .insert({ call_id: callId, agent_id: agentId, started_at: at })
      .returning<{ id: number }[]>('id');
    return row!.id;
  }

  endRing(id: number, outcome: RingEndReason, at: string) {
    return this.db('ring_attempts').where({ id }).update({ ended_at: at, outcome });
  }

  endCall(id: string, at: string, endedBy: EndedBy, reason: EndReason) {
    return this.db('calls').where({ id }).update({ state: 'ended', ended_at: at, ended_by: endedBy, end_reason: reason });
  }

  /** How a call this principal was a party to ended; null when it is not theirs or not ended. */
  async endedCallOf(id: string, p: Principal): Promise<{ endedBy: EndedBy; reason: EndReason } | null> {
    if (p.role === Role.Supervisor) return null;
    const where = p.role === Role.Shopper ? { id, shopper_id: p.shopperId } : { id, agent_id: p.userId };
    const row = await this.db('calls').where(where).andWhere({ state: CallState.Ended }).first<{ ended_by: EndedBy; end_reason: EndReason } | undefined>();
    return row ? { endedBy: row.ended_by, reason: row.end_reason } : null;
  }

  /**
   * At start: calls and ring attempts that a stopped process never ended are closed with reason
   * `server_restart` (one transaction). Returns how many calls were closed.
   */
  async reconcileAfterRestart(at: string): Promise<number> {
    const trx = await this.db.transaction();
    try {
      await trx('ring_attempts').whereNull('ended_at').update({ ended_at: at, outcome: RingEndReason.ServerRestart });
      const n: number = await trx('calls')
        .whereNot({ state: CallState.Ended })
        .update({ state: CallState.Ended, ended_at: at, ended_by: EndedBy.System, end_reason: EndReason.ServerRestart });
      await trx.commit();
      return n;
    } catch (err) {
      await trx.rollback();
      throw err;
    }
  }

  insertQos(callId: string, from: Role, at: string, s: QosSample) {
    return this.db('qos_samples').insert({
      call_id: callId,
      from_role: from,
      at,
      rtt_ms: s.rttMs,
      jitter_ms: s.jitterMs,
      loss_pct: s.lossPct,
      bitrate_kbps: s.bitrateKbps,
      local_candidate: s.localCandidate,
      remote_candidate: s.remoteCandidate,
    });
  }
}
