/**
 * An audit entry made readable: what it did, what it changed, and its values before and after —
 * only the fields that differ, skills matched by kind and value, every value as plain text (the
 * page writes them as text nodes, never HTML).
 */
import { ANY_CATEGORY, IssueType, Role, type AuditEntry } from '../../../protocol/index';
import type { Catalogue } from '../i18n/index';
import { ISSUES } from './skills';

/** One changed field: its name, and its value before and after (null: not there). */
export type Change = { field: string; label: string; before: string | null; after: string | null };

/** Longer values are cut to this many characters (a canned response's text, business hours). */
export const MAX_VALUE_CHARS = 240;

type Obj = Record<string, unknown>;
type SkillLike = { kind: 'issue' | 'language' | 'category'; value: string; level: unknown };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSkill = (v: unknown): v is SkillLike =>
  isObj(v) && (v.kind === 'issue' || v.kind === 'language' || v.kind === 'category') && typeof v.value === 'string';
const isSkillList = (v: unknown): v is SkillLike[] => Array.isArray(v) && v.every(isSkill);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function cut(t: Catalogue, s: string): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}${t.audit.cut(s.length - MAX_VALUE_CHARS)}` : s;
}

/** A value as text: known fields in words (a role, active or not, the site default), the rest as JSON. */
export function valueText(t: Catalogue, field: string, v: unknown): string {
  if (field === 'role' && typeof v === 'string' && (Object.values(Role) as string[]).includes(v)) return t.role[v as Role];
  if (field === 'active' && typeof v === 'boolean') return v ? t.staff.active : t.staff.deactivated;
  if (field === 'maxChats' && v === null) return t.staff.siteDefault('');
  if (typeof v === 'string') return cut(t, v);
  return cut(t, JSON.stringify(v) ?? String(v));
}

function skillName(t: Catalogue, s: SkillLike): string {
  if (s.kind === 'issue') return t.issueType[s.value as IssueType] ?? s.value;
  if (s.kind === 'category' && s.value === ANY_CATEGORY) return t.audit.anyCategory;
  return s.value;
}

function skillChanges(t: Catalogue, before: SkillLike[], after: SkillLike[]): Change[] {
  const key = (s: SkillLike) => `${s.kind}:${s.value}`;
  const was = new Map(before.map((s) => [key(s), s]));
  const now = new Map(after.map((s) => [key(s), s]));
  const order = ['issue', 'language', 'category'];
  // Topics in the editor's order, then languages and categories by value.
  const rank = (s: SkillLike) => (s.kind === 'issue' ? ISSUES.indexOf(s.value as IssueType) : -1);
  const all = [...new Map([...before, ...after].map((s) => [key(s), s])).values()].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || rank(a) - rank(b) || a.value.localeCompare(b.value),
  );
  return all
    .filter((s) => !same(was.get(key(s))?.level, now.get(key(s))?.level))
    .map((s) => {
      const b = was.get(key(s));
      const a = now.get(key(s));
      return {
        field: key(s),
        label: `${t.audit.skill[s.kind]}: ${skillName(t, s)}`,
        before: b ? valueText(t, 'level', b.level) : null,
        after: a ? valueText(t, 'level', a.level) : null,
      };
    });
}

/** What changed between `before` and `after` (either may be null: created, deleted). */
export function auditChanges(t: Catalogue, before: unknown, after: unknown): Change[] {
  if ((before === null || isSkillList(before)) && (after === null || isSkillList(after)) && (before !== null || after !== null))
    return skillChanges(t, before ?? [], after ?? []);
  if ((before === null || isObj(before)) && (after === null || isObj(after))) {
    const b = before ?? {};
    const a = after ?? {};
    const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    return fields
      .filter((f) => !(f in b && f in a && same(b[f], a[f])))
      .map((f) => ({
        field: f,
        label: t.audit.field[f] ?? f,
        before: f in b ? valueText(t, f, b[f]) : null,
        after: f in a ? valueText(t, f, a[f]) : null,
      }));
  }
  if (same(before, after)) return [];
  return [{ field: '', label: '', before: before === null ? null : valueText(t, '', before), after: after === null ? null : valueText(t, '', after) }];
}

const ACTIONS: Readonly<Record<string, keyof Catalogue['audit']['action']>> = {
  'staff.invite': 'staffInvite',
  'staff.reinvite': 'staffReinvite',
  'staff.skills': 'staffSkills',
  'staff.capacity': 'staffCapacity',
  'settings.routing': 'settingsRouting',
  'settings.hours': 'settingsHours',
  'canned.create': 'cannedCreate',
  'canned.update': 'cannedUpdate',
  'canned.delete': 'cannedDelete',
};

/** What the entry did, in words; the server's `action` itself when the dashboard does not know it. */
export function actionText(t: Catalogue, e: AuditEntry): string {
  if (e.action === 'staff.update' && isObj(e.after)) {
    const keys = Object.keys(e.after);
    if (keys.length === 1 && keys[0] === 'active') return t.audit.action[e.after.active ? 'staffReactivate' : 'staffDeactivate'];
    if (keys.length === 1 && keys[0] === 'name') return t.audit.action.staffRename;
    if (keys.length === 1 && keys[0] === 'role') return t.audit.action.staffRole;
    return t.audit.action.staffUpdate;
  }
  const key = ACTIONS[e.action];
  return key ? t.audit.action[key] : e.action;
}

/** What the entry changed, in words: an account (by name when known), a canned response, the settings, a site. */
export function targetText(t: Catalogue, e: Pick<AuditEntry, 'target' | 'targetName'>, names: ReadonlyMap<number, string>): string {
  const target = e.target;
  const user = /^user:([0-9]+)$/.exec(target);
  // The server names the target as it is now; else an entry on this page named the account.
  if (user) return t.audit.user(user[1]!, e.targetName ?? names.get(Number(user[1])) ?? '');
  const canned = /^canned:([0-9]+)$/.exec(target);
  if (canned) return t.audit.cannedItem(canned[1]!, e.targetName ?? '');
  if (target === 'routing') return t.audit.routing;
  const site = /^site:(.+)$/.exec(target);
  if (site) return t.audit.site(site[1]!);
  return target;
}

/** Names of accounts the entries themselves tell (an invite's name, a rename's new one), newest first wins. */
export function namesFromEntries(entries: readonly AuditEntry[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const e of entries) {
    const user = /^user:([0-9]+)$/.exec(e.target);
    if (user && isObj(e.after) && typeof e.after.name === 'string' && !names.has(Number(user[1]))) names.set(Number(user[1]), e.after.name);
  }
  return names;
}
