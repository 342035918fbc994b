// Hostile input on every HTTP API route: random and mutated bodies, path params, queries, content types and
// tokens (the caller's, another account's, none, revoked, a share's). Never a 5xx, every refusal a JSON
// `{error: {kind, message}}` with its kind's status, and a refused request leaves the database as it was.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATHS as CORE_SOCKETS } from '../../src/core/index.ts';
import { createApp } from '../../src/server/http/app.ts';
import { caseArb, otherMethodsOf } from './http-case.ts';
import { runCase } from './http-judge.ts';
import { ROUTES, routeKey } from './http-routes.ts';
import { check, timeLimit } from './seed.ts';
import { SOCKET_PATHS } from './socket-client.ts';
import { buildWorld, type World } from './world.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The routes the server registers, read off a Hono app built the way the server builds it. */
function registeredRoutes(): string[] {
  const app = createApp({ ctx: { now: Date.now } as never, sessions: {} as never, push: {} as never, history: {} as never, trustProxy: false, version: 'fuzz', staticDir: null, appOrigins: [], tls: false });
  return app.routes.filter((r) => r.method !== 'ALL').map(routeKey);
}

describe('the fuzz list', () => {
  it('names every route the server registers, and nothing else', () => {
    expect(ROUTES.map(routeKey).sort()).toEqual(registeredRoutes().sort());
  });

  it('names every WebSocket path the server upgrades', () => {
    const server = readFileSync(resolve(ROOT, 'src/server/index.ts'), 'utf8');
    // The server names them by the core's socket paths (src/core/route-paths.ts).
    const upgraded = [...server.matchAll(/path === SOCKET_PATHS\.(\w+)/g)].map((m) => CORE_SOCKETS[m[1] as keyof typeof CORE_SOCKETS]);
    expect(upgraded.sort()).toEqual([...SOCKET_PATHS].sort());
  });

  it('matches the route table in docs/api.md', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/api.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`?]+)[^`]*` \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(documented.sort()).toEqual(ROUTES.map(routeKey).sort());
  });
});

describe('every API route under hostile input', () => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  for (const route of ROUTES) {
    it(`${routeKey(route)}: a 4xx with a JSON error or the documented 2xx, never a 5xx; refusals change nothing`, async () => {
      const seen = new Set<number>();
      await check(caseArb(w, route, otherMethodsOf(ROUTES, route.path)), 100, async (c) => {
        seen.add((await runCase(w, route, c)).status);
      });
      // The server stayed up, and the cases reached past validation at least once.
      expect((await w.a.phone.route('health')).status).toBe(200);
      expect([...seen].some((s) => s < 300), `statuses seen: ${[...seen].join(', ')}`).toBe(true);
    }, timeLimit(30_000));
  }
});
