/**
 * An agent's skills as the editor holds them (topics ticked with a level, language and category
 * rows, "all categories"), to and from the API's list, with what keeps a draft from being saved;
 * and the short summary the staff list shows.
 */
import { ANY_CATEGORY, IssueType, LANGUAGE_PATTERN, MAX_SKILL_LEVEL, type Skill } from '../../../protocol/index';
import type { Catalogue } from '../i18n/index';

export const ISSUES: readonly IssueType[] = [IssueType.PreSale, IssueType.Order, IssueType.AfterSales, IssueType.Technical];
export const LEVELS: readonly number[] = Array.from({ length: MAX_SKILL_LEVEL }, (_, i) => i + 1);
/** The level a new row starts at (the server's default skills have 3). */
export const DEFAULT_LEVEL = 3;
const CATEGORY_ID = /^[1-9][0-9]{0,9}$/;

export type Row = { key: number; value: string; level: number };
export type SkillsDraft = {
  /** Topic → its level, or null when the agent does not take it. */
  issues: Record<IssueType, number | null>;
  languages: Row[];
  /** "All categories" with its level, or null. */
  anyCategory: number | null;
  categories: Row[];
};

/** What keeps a draft from being saved: a key of the catalogue's `skills`. */
export type SkillsProblem = 'badLanguage' | 'sameLanguage' | 'badCategory' | 'sameCategory';

let nextKey = 1;
export const newRow = (value = '', level = DEFAULT_LEVEL): Row => ({ key: nextKey++, value, level });

export function toDraft(skills: readonly Skill[]): SkillsDraft {
  const issues = Object.fromEntries(ISSUES.map((i) => [i, null])) as Record<IssueType, number | null>;
  const draft: SkillsDraft = { issues, languages: [], anyCategory: null, categories: [] };
  for (const s of skills) {
    if (s.kind === 'issue') issues[s.value] = s.level;
    else if (s.kind === 'language') draft.languages.push(newRow(s.value, s.level));
    else if (s.value === ANY_CATEGORY) draft.anyCategory = s.level;
    else draft.categories.push(newRow(s.value, s.level));
  }
  return draft;
}

/** The draft as the API takes it, or why it cannot be. */
export function fromDraft(d: SkillsDraft): { skills: Skill[] } | { problem: SkillsProblem } {
  const skills: Skill[] = [];
  for (const i of ISSUES) {
    const level = d.issues[i];
    if (level !== null) skills.push({ kind: 'issue', value: i, level });
  }
  const languages = d.languages.map((r) => ({ ...r, value: r.value.trim().toLowerCase() })).filter((r) => r.value !== '');
  if (languages.some((r) => !LANGUAGE_PATTERN.test(r.value))) return { problem: 'badLanguage' };
  if (new Set(languages.map((r) => r.value)).size !== languages.length) return { problem: 'sameLanguage' };
  for (const r of languages) skills.push({ kind: 'language', value: r.value, level: r.level });
  if (d.anyCategory !== null) skills.push({ kind: 'category', value: ANY_CATEGORY, level: d.anyCategory });
  const categories = d.categories.map((r) => ({ ...r, value: r.value.trim() })).filter((r) => r.value !== '');
  if (categories.some((r) => !CATEGORY_ID.test(r.value))) return { problem: 'badCategory' };
  if (new Set(categories.map((r) => r.value)).size !== categories.length) return { problem: 'sameCategory' };
  for (const r of categories) skills.push({ kind: 'category', value: r.value, level: r.level });
  return { skills };
}

/** Whether a language row's text is a code (or still empty). */
export const languageOk = (value: string): boolean => value.trim() === '' || LANGUAGE_PATTERN.test(value.trim().toLowerCase());
export const categoryOk = (value: string): boolean => value.trim() === '' || CATEGORY_ID.test(value.trim());

/** Skills in a line: "All topics · en 3, zh 3 · all categories 3". */
export function skillsSummary(t: Catalogue, skills: readonly Skill[]): string {
  if (skills.length === 0) return t.staff.noSkills;
  const issues = skills.filter((s) => s.kind === 'issue');
  const allTopics = issues.length === ISSUES.length && issues.every((s) => s.level === issues[0]!.level);
  const parts: string[] = [];
  if (allTopics) parts.push(t.staff.withLevel(t.staff.allTopics, issues[0]!.level));
  else if (issues.length) parts.push(t.list(issues.map((s) => t.staff.withLevel(t.issueType[s.value as IssueType], s.level))));
  const langs = skills.filter((s) => s.kind === 'language');
  if (langs.length) parts.push(t.list(langs.map((s) => t.staff.withLevel(s.value, s.level))));
  const cats = skills.filter((s) => s.kind === 'category');
  if (cats.length)
    parts.push(t.list(cats.map((s) => t.staff.withLevel(s.value === ANY_CATEGORY ? t.staff.allCategories : t.staff.category(s.value), s.level))));
  return parts.join(' · ');
}
