/**
 * The routing settings as the form edits them (times in seconds, numbers as typed), their limits
 * (the protocol's RoutingSettings), and the VIP rule's two spellings as the server reads them.
 */
import { CONSOLE_MAX_CONVERSATIONS, MAX_AGENT_CHATS, readVipRule, type RoutingSettings } from '../../../protocol/index';

export type NumberField = 'wrapUp' | 'widenAfter' | 'maxChats' | 'maxConversations' | 'missedRings';
export type SettingsDraft = Record<NumberField, number | null> & { vipRule: string };

/** Each number field: its limits in the form's unit, and whether it is seconds (stored as ms). */
export const LIMITS: Readonly<Record<NumberField, { min: number; max: number; seconds: boolean }>> = {
  wrapUp: { min: 0, max: 3600, seconds: true },
  widenAfter: { min: 0, max: 86_400, seconds: true },
  maxChats: { min: 1, max: MAX_AGENT_CHATS, seconds: false },
  maxConversations: { min: 1, max: CONSOLE_MAX_CONVERSATIONS, seconds: false },
  missedRings: { min: 1, max: 20, seconds: false },
};

/** `meta:<key>` or `spent:<amount>,<amount>…` (1–9 positive amounts), as server/src/shop/woocommerce.ts parses it. */
export function vipRuleOk(text: string): boolean {
  const rule = text.trim();
  return rule.length <= 200 && readVipRule(rule) !== null;
}

export function toDraft(s: RoutingSettings): SettingsDraft {
  return {
    wrapUp: s.wrapUpMs / 1000,
    widenAfter: s.widenAfterMs / 1000,
    maxChats: s.maxChats,
    maxConversations: s.maxConversations,
    missedRings: s.missedRingsAway,
    vipRule: s.vipRule,
  };
}

/** Whether a number field holds a value within its limits (seconds to the millisecond, counts whole). */
export function fieldOk(field: NumberField, value: number | null): boolean {
  const l = LIMITS[field];
  if (value === null || !Number.isFinite(value) || value < l.min || value > l.max) return false;
  return l.seconds ? Math.abs(value * 1000 - Math.round(value * 1000)) < 1e-6 : Number.isInteger(value);
}

/** The draft as the API takes it; null while a field is not valid. */
export function fromDraft(d: SettingsDraft): RoutingSettings | null {
  const fields = Object.keys(LIMITS) as NumberField[];
  if (!fields.every((f) => fieldOk(f, d[f])) || !vipRuleOk(d.vipRule)) return null;
  const n = (f: NumberField): number => d[f] as number;
  return {
    wrapUpMs: Math.round(n('wrapUp') * 1000),
    widenAfterMs: Math.round(n('widenAfter') * 1000),
    maxChats: n('maxChats'),
    maxConversations: n('maxConversations'),
    missedRingsAway: n('missedRings'),
    vipRule: d.vipRule.trim(),
  };
}

export const sameSettings = (a: RoutingSettings, b: RoutingSettings): boolean =>
  (Object.keys(a) as (keyof RoutingSettings)[]).every((k) => a[k] === b[k]);
