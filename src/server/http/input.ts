// Reading request bodies and queries: JSON parse errors and schema mismatches become one clear 400.
import type { Context } from 'hono';
import type * as v from 'valibot';
import { BatonError, parseInput } from '../../core/index.ts';

export async function readBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new BatonError('bad-request', `the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = parseInput(schema, json);
  if (!parsed.ok) throw new BatonError('bad-request', `invalid body: ${clearer(parsed.message)}`);
  return parsed.value;
}

export function readQuery<S extends v.GenericSchema>(c: Context, schema: S): v.InferOutput<S> {
  const parsed = parseInput(schema, c.req.query());
  if (!parsed.ok) throw new BatonError('bad-request', `invalid query: ${clearer(parsed.message)}`);
  return parsed.value;
}

/** valibot words a strict object's extra key as a type error; people read "unknown field" faster. */
function clearer(message: string): string {
  return message.replace(/Invalid key: Expected never but received "([^"]*)"/g, 'unknown field "$1"');
}
