/** Admin: staff accounts, skills and capacity, runtime settings, the audit log. */
import { z } from 'zod';
import { ANY_CATEGORY, CONSOLE_MAX_CONVERSATIONS, IssueType, MAX_AGENT_CHATS, LANGUAGE_PATTERN, MAX_SKILL_LEVEL, Role } from './constants';
import { BusinessHours } from './hours';
import { line } from './zod';

const staffRole = z.enum([Role.Agent, Role.Supervisor, Role.Admin]);

export const Skill = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('issue'), value: z.enum(IssueType), level: z.number().int().min(1).max(MAX_SKILL_LEVEL) }),
  z.object({ kind: z.literal('language'), value: z.string().regex(LANGUAGE_PATTERN), level: z.number().int().min(1).max(MAX_SKILL_LEVEL) }),
  z.object({ kind: z.literal('category'), value: z.union([z.literal(ANY_CATEGORY), z.string().regex(/^[1-9][0-9]{0,9}$/)]), level: z.number().int().min(1).max(MAX_SKILL_LEVEL) }),
]);
export type Skill = z.infer<typeof Skill>;

export const StaffAccount = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  role: staffRole,
  active: z.boolean(),
  /** Invited and has not set a password yet. */
  invited: z.boolean(),
  skills: z.array(Skill),
  /** Chats at once; null: the site's default (MAX_CHATS). */
  maxChats: z.number().int().nullable(),
});
export type StaffAccount = z.infer<typeof StaffAccount>;
export const StaffList = z.object({ staff: z.array(StaffAccount) });
export type StaffList = z.infer<typeof StaffList>;

export const InviteRequest = z.object({ email: z.string().trim().toLowerCase().email().max(254), name: line(120), role: staffRole }).strict();
export type InviteRequest = z.infer<typeof InviteRequest>;
/** The invite link is shown once to the admin, who passes it on; it sets the first password. */
export const InviteResponse = z.object({ account: StaffAccount, inviteUrl: z.string(), expiresAt: z.string() });
export type InviteResponse = z.infer<typeof InviteResponse>;
export const AcceptInvite = z.object({ token: z.string().min(1).max(2048), password: z.string().min(10).max(256) }).strict();
export type AcceptInvite = z.infer<typeof AcceptInvite>;

export const StaffUpdate = z
  .object({ name: line(120).optional(), role: staffRole.optional(), active: z.boolean().optional() })
  .strict()
  .refine((u) => u.name !== undefined || u.role !== undefined || u.active !== undefined, 'nothing to change');
export type StaffUpdate = z.infer<typeof StaffUpdate>;
export const SkillsUpdate = z.object({ skills: z.array(Skill).max(64) }).strict();
export type SkillsUpdate = z.infer<typeof SkillsUpdate>;
export const CapacityUpdate = z.object({ maxChats: z.number().int().min(1).max(MAX_AGENT_CHATS).nullable() }).strict();
export type CapacityUpdate = z.infer<typeof CapacityUpdate>;

/** Routing settings changed at runtime (stored; the environment gives the defaults). */
export const RoutingSettings = z
  .object({
    wrapUpMs: z.number().int().min(0).max(3_600_000),
    widenAfterMs: z.number().int().min(0).max(86_400_000),
    maxChats: z.number().int().min(1).max(MAX_AGENT_CHATS),
    maxConversations: z.number().int().min(1).max(CONSOLE_MAX_CONVERSATIONS),
    missedRingsAway: z.number().int().min(1).max(20),
    /** `meta:<customer meta key>` or `spent:<threshold>,<threshold>…` (see docs/routing.md). */
    vipRule: z.string().trim().min(1).max(200),
  })
  .strict();
export type RoutingSettings = z.infer<typeof RoutingSettings>;

/** GET /api/admin/hours: each site's business hours (null: open always). PUT /api/admin/sites/:id/hours sets one. */
export const SiteHoursList = z.object({
  sites: z.array(z.object({ id: z.number().int(), key: z.string(), name: z.string(), hours: BusinessHours.nullable() })),
});
export type SiteHoursList = z.infer<typeof SiteHoursList>;
export const SiteHoursUpdate = z.object({ hours: BusinessHours.nullable() }).strict();
export type SiteHoursUpdate = z.infer<typeof SiteHoursUpdate>;

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.object({ id: z.number().int().nullable(), name: z.string() }),
  action: z.string(),
  target: z.string(),
  /** The target's name now (an account's, a canned response's title); null when it has none or is gone. */
  targetName: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditList = z.object({ entries: z.array(AuditEntry), more: z.boolean() });
export type AuditList = z.infer<typeof AuditList>;

/**
 * A customer's VIP level from the shop's data: a number in a customer meta field (0–9), or the
 * count of spending thresholds their completed orders reach (`spent: [500, 2000]`: 1 from 500, 2
 * from 2000, in the shop's currency).
 */
export type VipRule = { kind: 'meta'; key: string } | { kind: 'spent'; thresholds: number[] };
export const DEFAULT_VIP_RULE: VipRule = { kind: 'meta', key: 'counterpart_vip' };

/**
 * `meta:<key>` or `spent:<amount>,<amount>…` (the VIP rule as an admin or `VIP_RULE` spells it),
 * or null. Plain decimal amounts only (no hex, exponents or spaces), above 0, at most 9, each once.
 */
export function readVipRule(text: string): VipRule | null {
  const meta = /^meta:([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (meta) return { kind: 'meta', key: meta[1]! };
  const spent = /^spent:(\d{1,9}(?:\.\d{1,2})?(?:,\d{1,9}(?:\.\d{1,2})?){0,8})$/.exec(text);
  const thresholds = spent ? spent[1]!.split(',').map(Number).sort((x, y) => x - y) : [];
  return thresholds.length && thresholds[0]! > 0 && new Set(thresholds).size === thresholds.length ? { kind: 'spent', thresholds } : null;
}

/** The rule as it is spelled (the inverse of readVipRule). */
export const formatVipRule = (r: VipRule): string => (r.kind === 'meta' ? `meta:${r.key}` : `spent:${r.thresholds.join(',')}`);
