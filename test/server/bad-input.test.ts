// Bad input on every route with a body (and every query): a 4xx with a clear message, and the database unchanged.
// Raw `/api/…` paths and bodies on purpose: the typed client cannot write the malformed requests this sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/index.ts';
import { apiClient, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { dumpDatabase, liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let sessionId: string;

beforeAll(async () => {
  ts = await startTestServer();
  laptop = ts.machine('laptop');
  await laptop.connect();
  sessionId = (await liveSession(ts, laptop)).id;
  laptop.event(sessionId, 'p', { kind: 'permission-request', permissionId: 'perm-1', tool: 'Bash', input: 'ls' });
  await waitForSession(ts, sessionId, (s) => s.awaitingPermission);
});
afterAll(async () => {
  await laptop.disconnect();
  await ts.stop();
});

interface BodyRoute {
  readonly method: string;
  readonly path: () => string;
  readonly auth: boolean;
  /** A valid body, so each case breaks exactly one thing. */
  readonly good: () => Record<string, unknown>;
  /** A field and a value of the wrong type. */
  readonly wrongType: [string, unknown];
}

const ROUTES: BodyRoute[] = [
  { method: 'POST', path: () => '/api/pair', auth: false, good: () => ({ code: 'ABCDE-FGHJK', name: 'phone', kind: 'phone' }), wrongType: ['name', 42] },
  { method: 'POST', path: () => '/api/pairing-codes', auth: true, good: () => ({ kind: 'phone' }), wrongType: ['kind', 'toaster'] },
  { method: 'POST', path: () => '/api/sessions', auth: true, good: () => ({ machineId: laptop.machineId, provider: 'claude', cwd: '/w' }), wrongType: ['provider', 'clippy'] },
  { method: 'PATCH', path: () => `/api/sessions/${sessionId}`, auth: true, good: () => ({ title: 'new title' }), wrongType: ['title', ['a']] },
  { method: 'POST', path: () => `/api/sessions/${sessionId}/messages`, auth: true, good: () => ({ clientId: 'c1', text: 'hi' }), wrongType: ['text', { t: 1 }] },
  { method: 'POST', path: () => `/api/sessions/${sessionId}/permissions/perm-1`, auth: true, good: () => ({ decision: 'allow' }), wrongType: ['decision', true] },
  { method: 'PUT', path: () => '/api/settings', auth: true, good: () => ({ disabledBackends: [] }), wrongType: ['disabledBackends', 'claude-stream'] },
  { method: 'POST', path: () => `/api/sessions/${sessionId}/shares`, auth: true, good: () => ({ expiresInSeconds: 600 }), wrongType: ['expiresInSeconds', '600'] },
];

const BAD = [
  { what: 'malformed JSON', raw: () => '{"text": "unterminated', status: 400, message: /not valid JSON/ },
  { what: 'a JSON array instead of an object', raw: () => '[1,2]', status: 400, message: /invalid body/ },
  { what: 'a field of the wrong type', body: (r: BodyRoute) => ({ ...r.good(), [r.wrongType[0]]: r.wrongType[1] }), status: 400, message: new RegExp('') },
  { what: 'an unknown field', body: (r: BodyRoute) => ({ ...r.good(), sneaky: true }), status: 400, message: /sneaky/ },
  { what: 'an oversized body', body: (r: BodyRoute) => ({ ...r.good(), pad: 'x'.repeat(LIMITS.httpBodyBytes + 1) }), status: 413, message: /larger than/ },
] as const;

describe('every route with a body', () => {
  for (const route of ROUTES) {
    describe(`${route.method} ${route.path.toString().replace(/^\(\) => /, '')}`, () => {
      for (const bad of BAD) {
        it(`refuses ${bad.what} with ${bad.status} and a clear message, changing nothing`, async () => {
          const client = apiClient(ts.url, route.auth ? ts.phoneToken : null);
          const before = dumpDatabase(ts.home);
          const res = 'raw' in bad
            ? await client.call(route.method, route.path(), undefined, bad.raw())
            : await client.call(route.method, route.path(), bad.body(route));
          expect(res.status).toBe(bad.status);
          expect(res.body.error.kind).toBe(bad.status === 413 ? 'too-large' : 'bad-request');
          expect(res.body.error.message).toMatch(bad.message);
          if (bad.what === 'a field of the wrong type') expect(res.body.error.message).toContain(route.wrongType[0]);
          expect(dumpDatabase(ts.home)).toBe(before);
        });
      }
    });
  }
});

describe('queries', () => {
  const QUERIES = [
    '/api/sync?since=yesterday',
    '/api/sync?since=1&extra=1',
    `/api/sessions/SESSION/messages?limit=0`,
    `/api/sessions/SESSION/messages?limit=100000`,
    `/api/sessions/SESSION/messages?after=1&before=5`,
    `/api/sessions/SESSION/messages?after=-1`,
  ];
  for (const q of QUERIES) {
    it(`refuses ${q} with 400`, async () => {
      const res = await ts.phone.get(q.replace('SESSION', sessionId));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/invalid query/);
    });
  }
});

describe('the machine socket', () => {
  it('answers a bad frame with an error and changes nothing', async () => {
    const before = dumpDatabase(ts.home);
    laptop.send({ type: 'ack', sessionId, messageId: 42 });
    laptop.send({ type: 'teleport' });
    const first = await laptop.next('error');
    const second = await laptop.next('error');
    expect(first.message).toMatch(/messageId/);
    expect(second.code).toBe('bad-frame');
    expect(dumpDatabase(ts.home)).toBe(before);
  });
});
