// The route table (src/core/routes.ts) and the server agree: every route the Hono app registers is in the table
// once, and every route of the table is registered, with the same method and path.
import { describe, expect, it } from 'vitest';
import { ROUTE_NAMES, ROUTE_PATHS, ROUTES } from '../../src/core/index.ts';
import { createApp } from '../../src/server/http/app.ts';

function registered(): string[] {
  const app = createApp({ ctx: { now: Date.now } as never, sessions: {} as never, push: {} as never, history: {} as never, trustProxy: false, version: 'test', staticDir: null, appOrigins: [], tls: false });
  return app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
}

describe('the route table', () => {
  it('lists every method and path the server registers, and only those', () => {
    const table = Object.values(ROUTE_PATHS);
    const app = registered();
    expect(app.filter((r) => !table.includes(r as never)), 'registered but not in the table').toEqual([]);
    expect(table.filter((r) => !app.includes(r)), 'in the table but not registered').toEqual([]);
    // Once each: no route registered twice, no two names for one route.
    expect(new Set(app).size).toBe(app.length);
    expect(new Set(table).size).toBe(table.length);
  });

  it('names the params of each path and says who may call it', () => {
    for (const name of ROUTE_NAMES) {
      const def = ROUTES[name];
      const inPath = [...ROUTE_PATHS[name].matchAll(/:(\w+)/g)].map((m) => m[1]);
      expect(Object.keys('params' in def ? def.params : {}), name).toEqual(inPath);
      expect(def.who === 'anyone' || def.who === 'share' || (def.who.length > 0 && def.who.every((k) => k === 'phone' || k === 'cli')), name).toBe(true);
    }
  });
});
