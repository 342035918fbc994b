// fast-check arbitraries read off the valibot schemas in src/core: values that (mostly) pass them, with
// chosen fields drawn from pools of real ids so the server's deeper paths are reached, not just validation.
import fc from 'fast-check';
import type * as v from 'valibot';

type AnySchema = v.GenericSchema & Record<string, any>;
/** Field name → where its values come from (e.g. `sessionId` → this world's session ids). */
export type Overrides = Readonly<Record<string, fc.Arbitrary<unknown>>>;

interface Flat {
  readonly base: AnySchema;
  readonly actions: readonly { type: string; requirement?: unknown }[];
}

/** A `v.pipe(v.pipe(v.string(), …), …)` as its innermost schema and every action, in order. */
function flatten(schema: AnySchema): Flat {
  if (!Array.isArray(schema.pipe)) return { base: schema, actions: [] };
  const [first, ...rest] = schema.pipe as AnySchema[];
  const inner = first === schema ? { base: schema, actions: [] } : flatten(first!);
  return { base: inner.base, actions: [...inner.actions, ...rest.filter((a) => a.kind !== 'schema')] };
}

const req = (f: Flat, type: string) => f.actions.find((a) => a.type === type)?.requirement;

function stringArb(f: Flat): fc.Arbitrary<string> {
  const min = (req(f, 'min_length') as number | undefined) ?? 0;
  const max = (req(f, 'max_length') as number | undefined) ?? 64;
  const regex = req(f, 'regex') as RegExp | undefined;
  if (regex) return fc.stringMatching(regex, { size: 'small' }).filter((s) => s.length >= min && s.length <= max);
  // Short ones mostly, and now and then exactly at the limit (a valid body must still fit in the HTTP limit).
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: Math.max(min, 0), maxLength: Math.min(max, 40), unit: 'grapheme' }).filter((s) => s.length >= min) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(max)) },
  );
}

function numberArb(f: Flat): fc.Arbitrary<number> {
  const min = req(f, 'min_value') as number | undefined;
  const max = req(f, 'max_value') as number | undefined;
  if (f.actions.some((a) => a.type === 'integer')) return fc.integer({ min: min ?? -1_000_000, max: max ?? 1_000_000 });
  return fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true });
}

/** An arbitrary for values of `schema`; a key of `overrides` replaces the generated value of that field anywhere. */
export function arbitraryFor(schema: v.GenericSchema, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const f = flatten(schema as AnySchema);
  const s = f.base;
  switch (s.type) {
    case 'string':
      return stringArb(f);
    case 'number':
      return numberArb(f);
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constant(s.literal);
    case 'picklist':
      return fc.constantFrom(...(s.options as unknown[]));
    case 'nullable':
      return fc.option(arbitraryFor(s.wrapped, overrides), { nil: null, freq: 3 });
    case 'optional':
      return arbitraryFor(s.wrapped, overrides);
    case 'array': {
      const max = Math.min((req(f, 'max_length') as number | undefined) ?? 4, 4);
      return fc.array(arbitraryFor(s.item, overrides), { maxLength: max });
    }
    case 'record':
      return fc.dictionary(arbitraryFor(s.key, overrides) as fc.Arbitrary<string>, arbitraryFor(s.value, overrides), { maxKeys: 5 });
    case 'object':
    case 'strict_object': {
      const entries = s.entries as Record<string, AnySchema>;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [key, entry] of Object.entries(entries)) {
        model[key] = overrides[key] ?? arbitraryFor(entry, overrides);
        if (entry.type !== 'optional') required.push(key);
      }
      return fc.record(model, { requiredKeys: required as never });
    }
    case 'variant':
    case 'union':
      return fc.oneof(...(s.options as AnySchema[]).map((o) => arbitraryFor(o, overrides)));
    default:
      throw new Error(`schema-arb: no arbitrary for valibot type ${s.type}; teach test/fuzz/schema-arb.ts`);
  }
}
