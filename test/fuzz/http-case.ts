// One hostile HTTP request against one route, as data: the arbitrary that makes it (http-judge.ts sends and judges it).
import fc from 'fast-check';
import * as v from 'valibot';
import type { ParamSpec, RouteSpec } from './http-routes.ts';
import { mutationArb, rawTwistArb, type Mutation, type RawTwist } from './mutate.ts';
import { arbitraryFor } from './schema-arb.ts';
import { ownerMap, type Owner, type World } from './world.ts';

export const AUTH_KINDS = ['A-phone', 'A-cli', 'A-machine', 'B-phone', 'none', 'garbage', 'revoked', 'share'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A path segment: a real id (`pool`, encoded when sent) or something hostile, sent exactly as written. */
export type Segment = { readonly pool: string } | { readonly raw: string };

export interface HttpCase {
  readonly auth: AuthKind;
  readonly garbageHeader: string;
  /** Another method on the same path (one the server does not register there); null: the route's own. */
  readonly method: string | null;
  readonly params: Readonly<Record<string, Segment>>;
  readonly query: readonly (readonly [string, string])[] | null;
  /** The body as a JSON value and the mutations to apply to it (kept apart so a report stays printable); undefined: no body. */
  readonly body: unknown;
  readonly mutations: readonly Mutation[];
  readonly twist: RawTwist;
  readonly contentType: string | null;
  readonly stream: boolean;
}

export const segmentArb: fc.Arbitrary<Segment> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => ({ raw: encodeURIComponent(s) })),
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,300}$/).map((s) => ({ raw: s })),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%FF', '..', '.', '%2e%2E', '%2F', 'a%2Fb', '', '~', 'null', 'undefined', '__proto__', 'ses_x%20y')
    .map((s) => ({ raw: s })),
);

const queryValueArb = fc.oneof(
  fc.constantFrom('0', '1', '-1', '200', '201', '1e3', '999999999999999', '9999999999999999', '', 'abc', '0x10', ' 1'),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const queryPairsArb = fc.array(fc.tuple(fc.oneof(fc.constantFrom('since', 'after', 'before', 'limit', 'x'), fc.string({ maxLength: 8 })), queryValueArb), { maxLength: 4 });

const garbageHeaderArb = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `Bearer ${s.replace(/\s/g, '')}x`),
  fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer  bt_', 'Bearer bs_', 'Token bt_x', 'Bearer bt_a bt_b'),
);

/** Who owns a pool value: `$nameA`/`$nameB` are made fresh for A or B; the rest are looked up. */
function poolOwner(owners: Map<string, Owner>, value: string): Owner | null {
  if (value.startsWith('$')) return value.endsWith('A') ? 'A' : value.endsWith('B') ? 'B' : null;
  return owners.get(value) ?? null;
}

/**
 * Hostile cases (any token, mutated bodies, random segments and queries, twisted bytes), mixed with
 * well-formed ones (a real token, the caller's own ids, a body built from the schema) so the handlers'
 * own refusals and successes are exercised too, not only validation.
 */
export function caseArb(w: World, route: RouteSpec, otherMethods: readonly string[]): fc.Arbitrary<HttpCase> {
  const owners = ownerMap(w);
  const good = arbitraryFor(route.body ?? v.strictObject({}), route.overrides?.(w) ?? {});
  const goodQuery = route.query ? arbitraryFor(route.query).map((q) => Object.entries(q as object).map(([k, x]) => [k, String(x)] as const)) : fc.constant(null);
  const paramsFrom = (pick: (spec: ParamSpec) => fc.Arbitrary<Segment>) => {
    const out: Record<string, fc.Arbitrary<Segment>> = {};
    for (const [name, spec] of Object.entries(route.params ?? {})) out[name] = pick(spec);
    return fc.record(out);
  };

  // A route read with a share link's token is well-formed with that token; every other one with a device's.
  const wellFormedAuth = route.auth === 'share' ? (['share'] as const) : (['A-phone', 'A-cli', 'A-machine', 'B-phone'] as const);
  const wellFormed = fc.constantFrom<AuthKind>(...wellFormedAuth).chain((auth) => {
    const account = auth.startsWith('A') ? 'A' : 'B';
    return fc.record({
      auth: fc.constant(auth),
      garbageHeader: fc.constant(''),
      method: fc.constant(null),
      params: paramsFrom((spec) => {
        const own = spec.pool(w).filter((p) => poolOwner(owners, p) === account || route.path === '/api/shared/:token');
        return fc.constantFrom(...(own.length > 0 ? own : spec.pool(w))).map((p) => ({ pool: p }));
      }),
      query: goodQuery,
      body: good,
      mutations: fc.constant([]),
      twist: fc.constant<RawTwist>({ kind: 'as-is' }),
      contentType: fc.constant('application/json'),
      stream: fc.constant(false),
    });
  });

  const none: readonly Mutation[] = [];
  const body: fc.Arbitrary<readonly [unknown, readonly Mutation[]]> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(good, fc.constant(none)) },
    { weight: 5, arbitrary: fc.tuple(good, fc.array(mutationArb, { minLength: 1, maxLength: 3 })) },
    { weight: 1, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constant(none)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant(undefined), fc.constant(none)) },
  );
  const hostile = fc.record({
    auth: fc.constantFrom(...AUTH_KINDS),
    garbageHeader: garbageHeaderArb,
    method: otherMethods.length > 0 ? fc.option(fc.constantFrom(...otherMethods), { freq: 8 }) : fc.constant(null),
    params: paramsFrom((spec) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...spec.pool(w)).map((p) => ({ pool: p })) }, { weight: 2, arbitrary: segmentArb })),
    query: route.query ? fc.oneof(fc.constant(null), goodQuery, queryPairsArb) : fc.option(queryPairsArb, { freq: 3 }),
    payload: body,
    twist: rawTwistArb,
    contentType: fc.constantFrom(null, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/json; charset=latin1', '*/*', 'garbage'),
    stream: fc.boolean(),
  }).map(({ payload: [b, mutations], ...rest }): HttpCase => ({ ...rest, body: b, mutations }));
  return fc.oneof({ weight: 1, arbitrary: wellFormed as fc.Arbitrary<HttpCase> }, { weight: 2, arbitrary: hostile as fc.Arbitrary<HttpCase> });
}

/** Methods a path pattern does not answer to (a request with one of them must be a plain 404). */
export function otherMethodsOf(routes: readonly RouteSpec[], path: string): string[] {
  const taken = new Set<string>(routes.filter((r) => r.path === path).map((r) => r.method));
  return METHODS.filter((m) => !taken.has(m));
}
