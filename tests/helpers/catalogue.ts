/**
 * The checks every UI string catalogue passes (widget, extension): the same keys in English and
 * Chinese, every text non-empty and trimmed, parameterised texts carrying their values, Chinese
 * wherever English has words.
 */
import { describe, expect, it } from 'vitest';

type Leaf = { path: string; value: unknown };
/** Arguments to try for each parameterised text (by path), and what the result must contain. */
export type Samples = Record<string, { args: unknown[]; contains?: string }[]>;

export function leaves(node: unknown, path = ''): Leaf[] {
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [{ path, value: node }];
}

export const at = (c: unknown, path: string): unknown => path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], c);

/** Every text a leaf can produce: the string itself, or the function's result for each sample. */
function texts(leaf: Leaf, samples: Samples): { text: string; contains?: string }[] {
  if (typeof leaf.value === 'string') return [{ text: leaf.value }];
  if (typeof leaf.value !== 'function') throw new Error(`${leaf.path} is neither a string nor a function`);
  const s = samples[leaf.path];
  if (!s) throw new Error(`${leaf.path} is a function without samples`);
  return s.map((x) => ({ text: (leaf.value as (...a: unknown[]) => unknown)(...x.args) as string, contains: x.contains }));
}

const HAN = /\p{Script=Han}/u;

/** Defines the suite for one catalogue pair; `same`: paths whose text is the same in both (a brand name). */
export function catalogueSuite(name: string, cats: { en: object; zh: object }, samples: Samples, opts: { minKeys: number; same?: string[] }): void {
  const { en, zh } = cats;
  describe(`${name} string catalogue`, () => {
    it('has the same keys in both languages, each a string or a function in both', () => {
      const enLeaves = leaves(en);
      expect(leaves(zh).map((l) => l.path).sort()).toEqual(enLeaves.map((l) => l.path).sort());
      expect(enLeaves.length).toBeGreaterThan(opts.minKeys);
      for (const { path, value } of enLeaves) expect(typeof at(zh, path), path).toBe(typeof value);
    });

    it('has a sample for every function and no sample for a key that is gone', () => {
      const fns = leaves(en).filter((l) => typeof l.value === 'function').map((l) => l.path).sort();
      expect(Object.keys(samples).sort()).toEqual(fns);
    });

    for (const [lang, c] of Object.entries(cats)) {
      it(`${lang}: every text is non-empty, trimmed and carries its values`, () => {
        for (const leaf of leaves(c)) {
          for (const { text, contains } of texts(leaf, samples)) {
            expect(typeof text, leaf.path).toBe('string');
            expect(text.trim().length, leaf.path).toBeGreaterThan(0);
            expect(text, leaf.path).toBe(text.trim());
            expect(text, leaf.path).not.toMatch(/undefined|NaN|\[object /);
            if (contains) expect(text, leaf.path).toContain(contains);
          }
        }
      });
    }

    it('zh is Chinese wherever English has words', () => {
      for (const leaf of leaves(en)) {
        if (opts.same?.includes(leaf.path)) continue;
        const zhLeaf = { path: leaf.path, value: at(zh, leaf.path) };
        const pairs = texts(leaf, samples).map((e, i) => [e.text, texts(zhLeaf, samples)[i]!.text] as const);
        for (const [e, z] of pairs) {
          if (/[A-Za-z]{2}/.test(e)) expect(z, `${leaf.path}: "${z}"`).toMatch(HAN);
          expect(z, leaf.path).not.toBe(e);
        }
      }
    });
  });
}
