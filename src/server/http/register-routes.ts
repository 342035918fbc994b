// Registers every route of the table (src/core/routes.ts) on the Hono app: who may call it (authenticated before
// anything else), its path params parsed to branded ids, and its body and query read against the table's schemas.
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import {
  BatonError, ROUTE_NAMES, ROUTES, routeMethod, routePattern, type ParamDef, type RouteDefOf, type RouteName, type RouteResponse, type Who,
} from '../../core/index.ts';
import { authenticate, type DeviceAuth } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { readBody, readQuery } from './input.ts';

type Parsed<D, K extends string> = D extends { readonly [P in K]: infer S extends v.GenericSchema } ? v.InferOutput<S> : never;
type ParamsOut<N extends RouteName> = RouteDefOf<N> extends { readonly params: infer P }
  ? { readonly [K in keyof P]: P[K] extends ParamDef<infer S> ? v.InferOutput<S> : never }
  : {};
/** The device that called, on routes for device tokens; none where anyone may call or the token is a share link's. */
type AuthOf<N extends RouteName> = RouteDefOf<N>['who'] extends 'anyone' | 'share' ? null : DeviceAuth;

export interface RouteRequest<N extends RouteName> {
  readonly auth: AuthOf<N>;
  readonly params: ParamsOut<N>;
  /** The query read against the route's schema (400 when it does not match); read when the handler is ready for it. */
  query(): Parsed<RouteDefOf<N>, 'query'>;
  /** The body read against the route's schema (400 when it does not match); read when the handler is ready for it. */
  body(): Promise<Parsed<RouteDefOf<N>, 'body'>>;
  readonly c: Context;
}

/** A handler answers its route's type (sent with the route's status), or a Response of its own (another status). */
export type RouteHandler<N extends RouteName> = (req: RouteRequest<N>) => RouteResponse<N> | Response | Promise<RouteResponse<N> | Response>;
export type RouteHandlers<K extends RouteName = RouteName> = { readonly [N in K]: RouteHandler<N> };

export function registerRoutes(app: Hono, ctx: ServerContext, handlers: RouteHandlers): void {
  for (const name of ROUTE_NAMES) register(app, ctx, name, handlers[name]);
}

function register<N extends RouteName>(app: Hono, ctx: ServerContext, name: N, handler: RouteHandler<N>): void {
  const def: RouteDefOf<N> = ROUTES[name];
  const who: Who = def.who;
  const defs: Readonly<Record<string, ParamDef>> = 'params' in def ? def.params : {};
  app.on(routeMethod(name), routePattern(name), async (c) => {
    // A device token of one of the route's kinds, or 401/403 before anything is read or changed.
    const auth = who === 'anyone' || who === 'share' ? null : authenticate(ctx, c.req.header('authorization'), who);
    const params: Record<string, unknown> = {};
    for (const [key, p] of Object.entries(defs)) {
      const raw = c.req.param(key) ?? '';
      const r = v.safeParse(p.schema, raw);
      // An id that cannot exist names nothing: the same 404 as an unknown one.
      if (!r.success) throw new BatonError('not-found', `no ${p.noun} ${raw.slice(0, 200)}`);
      params[key] = r.output;
    }
    const req = {
      auth, params, c,
      query: () => ('query' in def ? readQuery(c, def.query) : {}),
      body: () => ('body' in def ? readBody(c, def.body) : Promise.resolve({})),
    } as unknown as RouteRequest<N>;
    const out = await handler(req);
    if (out instanceof Response) return out;
    if (def.status === 204) return c.body(null, 204);
    return c.json(out as object, def.status);
  });
}
