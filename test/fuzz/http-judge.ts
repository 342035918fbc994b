// Sends one HTTP case and judges the answer: the status it must have (when the request decides it), the
// JSON error shape, no 5xx, no database change for a refusal or a GET, and no change outside the caller's account.
import * as v from 'valibot';
import { ERROR_KINDS, LIMITS } from '../../src/core/index.ts';
import { describeChanges, diffSnapshots, type RowChange } from './db-snapshot.ts';
import type { HttpCase } from './http-case.ts';
import type { Prepared, RouteSpec } from './http-routes.ts';
import { applyMutations, twistText } from './mutate.ts';
import { sendRaw } from './raw-http.ts';
import { accountOfChange } from './scope.ts';
import { ownerMap, type Owner, type World } from './world.ts';

interface Caller {
  readonly header: string | null;
  readonly account: Owner | null;
  readonly machine: boolean;
}

function callerOf(w: World, c: HttpCase): Caller {
  const bearer = (t: string) => `Bearer ${t}`;
  switch (c.auth) {
    case 'A-phone': return { header: bearer(w.a.phoneToken), account: 'A', machine: false };
    case 'A-cli': return { header: bearer(w.a.cliToken), account: 'A', machine: false };
    case 'A-machine': return { header: bearer(w.a.machineToken), account: 'A', machine: true };
    case 'B-phone': return { header: bearer(w.b.phoneToken), account: 'B', machine: false };
    case 'revoked': return { header: bearer(w.a.revokedToken), account: null, machine: false };
    case 'share': return { header: bearer(w.a.shareToken), account: null, machine: false };
    case 'garbage': return { header: c.garbageHeader, account: null, machine: false };
    case 'none': return { header: null, account: null, machine: false };
  }
}

/** Replaces `$name` strings (a value, or a top-level field of an object: where pools put them) with what `prepare` made. */
function resolve(value: unknown, prepared: Record<string, Prepared>): unknown {
  const one = (x: unknown) => (typeof x === 'string' && x.startsWith('$') && prepared[x.slice(1)] ? prepared[x.slice(1)]!.value : x);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return one(value);
  const out: Record<string, unknown> = {};
  // defineProperty: a `__proto__` field stays a field, as the server's JSON.parse will see it.
  for (const [k, x] of Object.entries(value)) Object.defineProperty(out, k, { value: one(x), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Every string inside a value (iterative: bodies may nest far deeper than the stack). */
function strings(value: unknown): string[] {
  const out: string[] = [];
  const stack = [value];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') out.push(x);
    else if (x !== null && typeof x === 'object') stack.push(...Object.values(x));
  }
  return out;
}

const isDotOrEmpty = (raw: string) => ['', '.', '..'].includes(raw.toLowerCase().replace(/%2e/g, '.'));

/** What the server may answer: `exact` when the request is wrong in a way that decides the status by itself. */
interface Expectation {
  readonly exact: readonly number[] | null;
  readonly why: string;
  /** Why a 2xx would be wrong although the status is not decided (e.g. it names another account's id); null: it may succeed. */
  readonly refuse: string | null;
}

export interface Outcome {
  readonly status: number;
  readonly body: unknown;
  readonly changes: RowChange[];
}

/** Sends the case and checks every rule; throws (so fast-check reports seed and counterexample) on the first broken one. */
export async function runCase(w: World, route: RouteSpec, c: HttpCase): Promise<Outcome> {
  const prepared = route.prepare ? await route.prepare(w) : {};
  const owners = ownerMap(w);
  for (const p of Object.values(prepared)) if (p.owner) owners.set(p.value, p.owner);
  const caller = callerOf(w, c);
  const method = c.method ?? route.method;

  const segments: Record<string, { sent: string; value: string | null }> = {};
  for (const [name, seg] of Object.entries(c.params)) {
    if ('pool' in seg) {
      const value = resolve(seg.pool, prepared) as string;
      segments[name] = { sent: encodeURIComponent(value), value };
    } else segments[name] = { sent: seg.raw, value: null };
  }
  const path = route.path.replace(/:(\w+)/g, (_, n: string) => segments[n]!.sent);
  const qs = c.query && c.query.length > 0 ? `?${new URLSearchParams(c.query.map(([k, x]) => [k, x])).toString()}` : '';
  const bodyValue = resolve(c.mutations.length > 0 ? applyMutations(c.body, c.mutations) : c.body, prepared);
  const sendsBody = method !== 'GET' && bodyValue !== undefined;
  const bytes = sendsBody ? twistText(JSON.stringify(bodyValue), c.twist, LIMITS.httpBodyBytes) : null;

  const expectation = expectationOf(w, route, c, caller, method, segments, bytes, owners);
  const headers: Record<string, string> = {};
  if (caller.header !== null) headers.authorization = caller.header;
  if (c.contentType) headers['content-type'] = c.contentType;

  const before = w.db.snapshot();
  const res = await sendRaw(w.ts.url, { method, path: `${path}${qs}`, headers, body: bytes, chunked: c.stream }).catch((err: Error) => {
    throw new Error(`no answer to ${method} ${path}${qs.slice(0, 200)} (body ${bytes?.length ?? 0} bytes${c.stream ? ', chunked' : ''}): ${err.message}`);
  });
  const text = res.text;
  const after = w.db.snapshot();
  const changes = diffSnapshots(before, after);
  const what = `${method} ${path}${qs.slice(0, 200)} as ${c.auth} → ${res.status} ${text.slice(0, 300)}`;

  const fail = (rule: string) => {
    throw new Error(`${rule}\n  request: ${what}\n  expected: ${expectation.exact?.join('|') ?? 'any 4xx or documented 2xx'} (${expectation.why})\n  db changes: ${describeChanges(changes) || 'none'}`);
  };
  if (res.status >= 500) fail('a 5xx');
  let json: any = null;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      fail('a body that is not JSON');
    }
  }
  if (res.status >= 400) {
    const kind = json?.error?.kind as keyof typeof ERROR_KINDS;
    if (!(kind in ERROR_KINDS) || typeof json.error.message !== 'string' || json.error.message === '') fail('an error body that is not {error: {kind, message}}');
    if (ERROR_KINDS[kind] !== res.status) fail(`error kind ${kind} with status ${res.status}`);
    if (!String(res.headers['content-type'] ?? '').includes('application/json')) fail('an error without a JSON content type');
    if (changes.length > 0) fail('a refused request changed the database');
  } else if (res.status >= 200 && res.status < 300) {
    if (!route.ok.includes(res.status) || c.method !== null) fail(`an undocumented ${res.status}`);
    if (expectation.refuse) fail(`a 2xx although ${expectation.refuse}`);
  } else fail(`status ${res.status}`);
  if (expectation.exact && !expectation.exact.includes(res.status)) fail(`status ${res.status}`);
  if (method === 'GET' && changes.length > 0) fail('a GET changed the database');
  if (caller.account && route.scoped) {
    const mine = caller.account === 'A' ? w.a.id : w.b.id;
    const stray = changes.filter((ch) => accountOfChange(ch, after) !== mine);
    if (stray.length > 0) fail(`changed rows outside the caller's account: ${describeChanges(stray)}`);
  }
  const internal = w.logs.filter((l) => l.includes('internal error'));
  if (internal.length > 0) fail(`the server logged: ${internal.join('\n')}`);
  return { status: res.status, body: json, changes };
}

function expectationOf(
  w: World, route: RouteSpec, c: HttpCase, caller: Caller, method: string,
  segments: Record<string, { sent: string; value: string | null }>, bytes: Uint8Array | null, owners: Map<string, Owner>,
): Expectation {
  const named = [...Object.values(segments).map((s) => s.value ?? ''), ...strings(decodeJson(bytes))];
  const foreign = route.scoped && named.some((s) => owners.has(s) && owners.get(s) !== caller.account);
  const base = { refuse: foreign ? 'it names another account’s ids' : null };
  if (bytes !== null && bytes.length > LIMITS.httpBodyBytes) return { ...base, exact: [413], why: 'oversized body' };
  // `/api/sessions/./archive` is GET-able as `/api/sessions/archive` (a session id "archive"): any refusal, no success.
  if (Object.values(segments).some((s) => isDotOrEmpty(s.sent))) return { exact: null, refuse: 'a dot or empty segment leaves the route', why: 'leaves the route' };
  if (c.method !== null) return { ...base, exact: [404], why: `no ${method} route on this path` };
  if (route.auth === 'share') {
    if (c.auth === 'none') return { ...base, exact: [401], why: 'no token' };
    if (c.auth === 'revoked') return { ...base, exact: [404], why: 'a revoked device token is no share link' };
    if (c.auth === 'garbage') return { ...base, exact: null, refuse: 'not a share token', why: 'a garbage header' };
    if (c.auth !== 'share') return { ...base, exact: [403], why: 'a device token on the share route' };
  } else if (route.auth !== 'none') {
    if (c.auth === 'none' || c.auth === 'garbage' || c.auth === 'revoked') return { ...base, exact: [401], why: 'no valid token' };
    if (c.auth === 'share') return { ...base, exact: [403], why: 'a share token' };
    if (caller.machine) return { ...base, exact: [403], why: 'a machine token on a person route' };
    if (route.auth === 'phone' && c.auth === 'A-cli') return { ...base, exact: [403], why: 'a CLI token on a phone route' };
  }
  for (const [name, spec] of Object.entries(route.params ?? {})) {
    if (!spec.gate) continue;
    const value = segments[name]!.value;
    if (route.path === '/api/shared/:token') {
      if (value !== w.a.shareToken && value !== w.b.shareToken) return { ...base, exact: [404], why: 'not a share token' };
    } else if (value === null || owners.get(value) !== caller.account) return { ...base, exact: [404], why: `${name} is not the caller's` };
  }
  if (route.body && method !== 'GET' && validity(route.body, bytes ?? new Uint8Array()) === 'invalid') return { ...base, exact: [400], why: 'invalid body' };
  if (route.query && queryValidity(route.query, c.query) === 'invalid') return { ...base, exact: [400], why: 'invalid query' };
  return { ...base, exact: null, why: 'well-formed' };
}

function decodeJson(bytes: Uint8Array | null): unknown {
  const text = bytes === null ? '' : new TextDecoder().decode(bytes);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the server's readBody makes of these bytes (the same decoding: UTF-8 with replacement, BOM dropped). */
function validity(schema: v.GenericSchema | undefined, bytes: Uint8Array): 'valid' | 'invalid' {
  if (!schema) return 'valid';
  const json = decodeJson(bytes);
  return json !== undefined && v.safeParse(schema, json).success ? 'valid' : 'invalid';
}

function queryValidity(schema: v.GenericSchema, pairs: HttpCase['query']): 'valid' | 'invalid' | 'unknown' {
  const list = pairs ?? [];
  // A repeated key: which value the router keeps is its business, not this test's.
  if (new Set(list.map(([k]) => k)).size !== list.length) return 'unknown';
  return v.safeParse(schema, Object.fromEntries(list)).success ? 'valid' : 'invalid';
}
