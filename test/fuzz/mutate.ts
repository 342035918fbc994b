// Hostile variants of a valid value: wrong types, unknown and missing fields, huge strings, deep nesting,
// and raw payloads that are not JSON, not UTF-8, or larger than the server accepts.
import fc from 'fast-check';

type Json = unknown;

/** Keys a careless merge or lookup could trip over. */
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'type', 'kind', 'token', 'id', ''];
/** Values at and just past the edges the schemas draw. */
const EDGE_VALUES: Json[] = [
  null, true, false, 0, -0, -1, 1.5, 59, 60, 2_592_000, 2_592_001, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -1e308, 1e308,
  '', ' ', '\u0000', '\ud800', 'é'.normalize('NFD'), '👩‍💻', '../../etc/passwd', '<script>', "'; DROP TABLE sessions; --",
  [], {}, [null], { '': null },
];

const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_VALUES) },
);

/** Nested arrays or objects around a value, `depth` levels deep. */
export function nest(depth: number, inner: Json, asObject: boolean): Json {
  let out = inner;
  for (let i = 0; i < depth; i++) out = asObject ? { a: out } : [out];
  return out;
}

export type Mutation =
  | { readonly op: 'drop'; readonly at: number }
  | { readonly op: 'extra'; readonly at: number; readonly key: string; readonly value: Json }
  | { readonly op: 'retype'; readonly at: number; readonly value: Json }
  | { readonly op: 'huge'; readonly at: number; readonly length: number }
  | { readonly op: 'deep'; readonly at: number; readonly depth: number; readonly asObject: boolean }
  | { readonly op: 'root'; readonly value: Json };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('extra' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 12 })), value: anyJson }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: anyJson }),
  // Around the schema limits (100, 128, 200, 512, 4096, 100 000 characters) and past the HTTP body limit.
  fc.record({ op: fc.constant('huge' as const), at: fc.nat(), length: fc.constantFrom(101, 129, 201, 513, 2001, 4097, 100_001, 300_000) }),
  fc.record({ op: fc.constant('deep' as const), at: fc.nat(), depth: fc.constantFrom(2, 64, 1_000), asObject: fc.boolean() }),
  fc.record({ op: fc.constant('root' as const), value: anyJson }),
);

type Slot = { parent: Record<string, Json> | Json[]; key: string | number };

/** Every place inside `value` a field lives (object keys and array items), depth-first. */
function slots(value: Json, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push({ parent: value, key: i }), slots(item, out)));
  else if (value !== null && typeof value === 'object') {
    for (const [k, item] of Object.entries(value)) {
      out.push({ parent: value as Record<string, Json>, key: k });
      slots(item, out);
    }
  }
  return out;
}

/** Objects inside `value` (where an extra key can go), the root first. */
function objects(value: Json, out: Record<string, Json>[] = []): Record<string, Json>[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) out.push(value as Record<string, Json>);
  if (value !== null && typeof value === 'object') for (const item of Object.values(value)) objects(item, out);
  return out;
}

/**
 * Applies the mutations in order to a deep copy of `value` (never touching the generated values themselves:
 * fast-check reuses them while shrinking); a mutation with nowhere to apply changes nothing.
 */
export function applyMutations(value: Json, mutations: readonly Mutation[]): Json {
  let root: Json = structuredClone(value);
  for (const m of mutations) {
    if (m.op === 'root') {
      root = structuredClone(m.value);
      continue;
    }
    if (m.op === 'extra') {
      const objs = objects(root);
      // defineProperty: a key named __proto__ must become a real field, as JSON.parse on the server makes it.
      if (objs.length > 0) Object.defineProperty(objs[m.at % objs.length]!, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
      continue;
    }
    const all = slots(root);
    if (all.length === 0) continue;
    const slot = all[m.at % all.length]!;
    const set = (v: Json) => ((slot.parent as Record<string | number, Json>)[slot.key] = v);
    if (m.op === 'drop') {
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
    } else if (m.op === 'retype') set(structuredClone(m.value));
    else if (m.op === 'huge') set('x'.repeat(m.length));
    else set(nest(m.depth, (slot.parent as Record<string | number, Json>)[slot.key], m.asObject));
  }
  return root;
}

/** How a JSON text is turned into the bytes actually sent. */
export type RawTwist =
  | { readonly kind: 'as-is' }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'bad-utf8'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'bom' }
  | { readonly kind: 'replace'; readonly text: string }
  /** Far deeper than any object the client could build: as the whole body, or as an extra field of it. */
  | { readonly kind: 'nested-brackets'; readonly depth: number; readonly inObject: boolean }
  | { readonly kind: 'oversized' };

export const rawTwistArb: fc.Arbitrary<RawTwist> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'as-is' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-utf8' as const), at: fc.nat(), bytes: fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe, 0xff]) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      text: fc.oneof(fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('', ' ', 'null', '1e400', 'NaN', '{"a":1,}', "{'a':1}", '{"__proto__":{"x":1}}', '"\\ud800"', '[]')),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested-brackets' as const), depth: fc.constantFrom(10_000, 100_000), inObject: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversized' as const }) },
);

/** The bytes for `text` after `twist`; `limit` is the size the oversized twist must exceed. */
export function twistText(text: string, twist: RawTwist, limit: number): Uint8Array {
  const enc = (s: string) => new TextEncoder().encode(s);
  switch (twist.kind) {
    case 'as-is':
      return enc(text);
    case 'truncate':
      return enc(text.slice(0, text.length === 0 ? 0 : twist.at % text.length));
    case 'bad-utf8': {
      const bytes = enc(text);
      const at = bytes.length === 0 ? 0 : twist.at % bytes.length;
      return Uint8Array.from([...bytes.subarray(0, at), ...twist.bytes, ...bytes.subarray(at)]);
    }
    case 'bom':
      return enc(`\ufeff${text}`);
    case 'replace':
      return enc(twist.text);
    case 'nested-brackets': {
      const deep = '['.repeat(twist.depth) + ']'.repeat(twist.depth);
      return enc(twist.inObject && text.startsWith('{') ? `{"deep":${deep}${text === '{}' ? '' : ','}${text.slice(1)}` : deep);
    }
    case 'oversized':
      return enc(JSON.stringify({ pad: 'x'.repeat(limit + 1) }));
  }
}
