/**
 * fast-check arbitraries generated from the protocol's zod schemas (through their JSON Schema):
 * `validOf` makes values the schema accepts; `hostileOf` mixes those with mutated ones (a field of
 * the wrong type, a huge string, a missing required field, prototype keys, deep nesting) and with
 * arbitrary JSON. Abuse tests send them to every endpoint.
 */
import fc from 'fast-check';
import { z } from 'zod';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: Json[];
  const?: Json;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

function fromJsonSchema(s: Schema): fc.Arbitrary<Json> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map(fromJsonSchema));
  switch (s.type) {
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const keys = Object.keys(props);
      return fc.record(
        Object.fromEntries(keys.map((k) => [k, fromJsonSchema(props[k]!)])),
        { requiredKeys: keys.filter((k) => required.has(k)) },
      ) as fc.Arbitrary<Json>;
    }
    case 'array':
      return fc.array(s.items ? fromJsonSchema(s.items) : fc.jsonValue(), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) }) as fc.Arbitrary<Json>;
    case 'string': {
      if (s.format === 'email') return fc.emailAddress();
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 64, 256), unit: 'binary' });
    }
    case 'integer':
      return fc.integer({
        min: Math.max(s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -(2 ** 31)), Number.MIN_SAFE_INTEGER),
        max: Math.min(s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 2 ** 31), Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue() as fc.Arbitrary<Json>;
  }
}

/** Values the schema accepts (as JSON on the wire). */
export function validOf(schema: z.ZodType): fc.Arbitrary<Json> {
  return fromJsonSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema);
}

/** What replaces one field of a valid value. */
const poison: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constant('x'.repeat(100_000)),
  fc.constantFrom<Json>(-1, 0, 1e308, -1e308, 2 ** 53 + 2, '', ' ', '\u0000', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '%00', '\uFFFF\uD800'),
  fc.constant<Json>({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } } as unknown as Json),
  fc.constant<Json>(nest(200)),
);

function nest(depth: number): Json {
  let v: Json = 'deep';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Mutates one path of a JSON value: replace, delete, or add a hostile key. */
function mutate(value: Json, path: number[], replacement: Json, how: 'replace' | 'delete' | 'add'): Json {
  if (typeof value !== 'object' || value === null) return replacement;
  const clone: Json = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(clone);
  if (keys.length === 0 || path.length === 0) {
    if (how === 'add' && !Array.isArray(clone)) (clone as Record<string, Json>)['__proto__x'] = replacement;
    return how === 'replace' && path.length === 0 ? replacement : clone;
  }
  const key = keys[path[0]! % keys.length]!;
  const rec = clone as Record<string, Json>;
  if (path.length === 1) {
    if (how === 'delete') delete rec[key];
    else if (how === 'add') rec[`${key}_extra`] = replacement;
    else rec[key] = replacement;
  } else rec[key] = mutate(rec[key]!, path.slice(1), replacement, how);
  return clone;
}

/** Valid values, mutated valid values, and arbitrary JSON. */
export function hostileOf(schema: z.ZodType): fc.Arbitrary<Json> {
  const valid = validOf(schema);
  const mutated = fc
    .tuple(valid, fc.array(fc.nat(), { minLength: 0, maxLength: 3 }), poison, fc.constantFrom<'replace' | 'delete' | 'add'>('replace', 'delete', 'add'))
    .map(([v, path, p, how]) => mutate(v, path, p, how));
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 5, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue() as fc.Arbitrary<Json> });
}
