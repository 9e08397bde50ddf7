import { ANY_CATEGORY, IssueType, MAX_SKILL_LEVEL, MediaKind } from '../../../protocol/index';

/** An agent's skills: each issue type, language and product category they take, with a level 1–5. */
export type Skills = {
  readonly issues: ReadonlyMap<IssueType, number>;
  readonly languages: ReadonlyMap<string, number>;
  /** Category ids, or `*` (ANY_CATEGORY): every category. */
  readonly categories: ReadonlyMap<number | typeof ANY_CATEGORY, number>;
};

export type SkillKind = 'issue' | 'language' | 'category';
/** One stored skill (an `agent_skills` row). */
export type SkillRow = { kind: SkillKind; value: string; level: number };

/** What a request needs from the agent who takes it. */
export type Need = {
  channel: MediaKind;
  issueType: IssueType;
  language: string;
  /** The product's categories (any one of them will do); empty when the request is not about a product. */
  categoryIds: readonly number[];
};

/** A new agent takes everything until an admin narrows it: every issue type, English and Chinese, every category. */
export const DEFAULT_SKILLS: readonly SkillRow[] = [
  ...Object.values(IssueType).map((value) => ({ kind: 'issue' as const, value, level: 3 })),
  { kind: 'language', value: 'en', level: 3 },
  { kind: 'language', value: 'zh', level: 3 },
  { kind: 'category', value: ANY_CATEGORY, level: 3 },
];

export function skillsOf(rows: readonly SkillRow[]): Skills {
  const issues = new Map<IssueType, number>();
  const languages = new Map<string, number>();
  const categories = new Map<number | typeof ANY_CATEGORY, number>();
  for (const r of rows) {
    const level = Math.min(MAX_SKILL_LEVEL, Math.max(1, Math.round(r.level)));
    if (r.kind === 'issue' && (Object.values(IssueType) as string[]).includes(r.value)) issues.set(r.value as IssueType, level);
    else if (r.kind === 'language') languages.set(r.value, level);
    else if (r.kind === 'category') categories.set(r.value === ANY_CATEGORY ? ANY_CATEGORY : Number(r.value), level);
  }
  return { issues, languages, categories };
}

/**
 * Whether an agent with these skills may take a request. Normally: its issue type, its language
 * and (when it is about a product) one of the product's categories. A request that waited past
 * the site's widening time (`widened`) goes to any agent with its issue type.
 */
export function canServe(s: Skills, need: Need, widened: boolean): boolean {
  if (!s.issues.has(need.issueType)) return false;
  if (widened) return true;
  if (!s.languages.has(need.language)) return false;
  return need.categoryIds.length === 0 || s.categories.has(ANY_CATEGORY) || need.categoryIds.some((c) => s.categories.has(c));
}

/** Whether a conversation on this channel needs the agent's call slot (voice, video) or a chat slot. */
export const isCall = (channel: MediaKind): boolean => channel !== MediaKind.Chat;
