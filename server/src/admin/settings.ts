import { CounterpartError, ErrorCode, formatVipRule, RoutingSettings, type VipRule } from '../../../protocol/index';
import type { Config } from '../config';
import type { Db } from '../db/index';
import { parseVipRule } from '../shop/woocommerce';
import { audit, type Actor } from './audit';

const KEY = 'routing';

/**
 * Routing settings and the VIP rule, changeable at runtime. The stored value is the truth (the
 * environment only gives the first default); a change is stored with its audit entry, then applied
 * to the running routing (the same `routing` object the dispatcher reads) and VIP rule.
 */
export class Settings {
  private vip: VipRule;

  constructor(
    private readonly db: Db,
    private readonly routing: Config['routing'],
    vip: VipRule,
    /** Runs after a change is applied (a dispatch: wider capacity may offer work at once). */
    private readonly applied: () => void = () => {},
  ) {
    this.vip = vip;
  }

  /** The VIP rule in force (the shop adapter reads it on each use). */
  vipRule = (): VipRule => this.vip;

  current(): RoutingSettings {
    const { wrapUpMs, widenAfterMs, maxChats, maxConversations, missedRingsAway } = this.routing;
    return { wrapUpMs, widenAfterMs, maxChats, maxConversations, missedRingsAway, vipRule: formatVipRule(this.vip) };
  }

  /** At start: the stored settings, if any, replace the environment's. */
  async load(): Promise<void> {
    const row = await this.db('settings').where({ key: KEY }).first<{ value: string } | undefined>();
    if (!row) return;
    const parsed = RoutingSettings.safeParse(JSON.parse(row.value));
    if (parsed.success) this.apply(parsed.data);
  }

  async update(actor: Actor, next: RoutingSettings): Promise<RoutingSettings> {
    let vip: VipRule;
    try {
      vip = parseVipRule(next.vipRule);
    } catch (err) {
      throw new CounterpartError(ErrorCode.BadRequest, `vipRule: ${(err as Error).message.replace(/^VIP_RULE /, '')}`);
    }
    if (next.maxConversations < 1) throw new CounterpartError(ErrorCode.BadRequest, 'maxConversations: at least 1');
    const before = this.current();
    const value = { ...next, vipRule: formatVipRule(vip) };
    await this.db.transaction(async (trx) => {
      await trx('settings').insert({ key: KEY, value: JSON.stringify(value), updated_at: new Date().toISOString() }).onConflict('key').merge();
      await audit(trx, actor, 'settings.routing', 'routing', before, value);
    });
    this.apply(value);
    this.applied();
    return this.current();
  }

  private apply(s: RoutingSettings): void {
    const { vipRule, ...routing } = s;
    Object.assign(this.routing, routing);
    this.vip = parseVipRule(vipRule);
  }
}
