// Socket frames for the fuzz tests: valid-shaped (from a schema), mutated, random JSON, text, binary.
import fc from 'fast-check';
import { applyMutations, mutationArb, type Mutation } from './mutate.ts';
import type { Outgoing } from './socket-client.ts';

/** One frame: valid-shaped (often naming another machine's or account's rows), mutated, or not JSON at all. */
export function frameArb(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Outgoing & { mutations?: readonly Mutation[] }> {
  return fc.oneof(
    { weight: 5, arbitrary: valid.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 5, arbitrary: fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([value, mutations]) => ({ kind: 'json' as const, value, mutations })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '{', 'null', '[]', '{"type":"heartbeat"', '\u0000')).map((text) => ({ kind: 'text' as const, text })) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((bytes) => ({ kind: 'binary' as const, bytes })) },
  );
}

/** What the server reads from an outgoing frame (its JSON), mutations applied; undefined when it is not JSON text. */
export function payloadOf(out: Outgoing & { mutations?: readonly Mutation[] }): unknown {
  if (out.kind === 'json') return out.mutations ? applyMutations(out.value, out.mutations) : out.value;
  if (out.kind === 'text') {
    try {
      return JSON.parse(out.text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The frame as sent: mutations applied (they are kept apart in the case only so reports stay printable). */
export function wire(out: Outgoing & { mutations?: readonly Mutation[] }): Outgoing {
  return out.kind === 'json' && out.mutations ? { kind: 'json', value: applyMutations(out.value, out.mutations) } : out;
}

