// The fuzz list: every HTTP API route, its schemas, where its ids come from, and its documented 2xx.
// http-api.test.ts fails when the server registers a route this list does not name (or the reverse).
import fc from 'fast-check';
import type * as v from 'valibot';
import {
  CreatePairingCodeSchema, CreateShareSchema, HistoryQuerySchema, MessagesQuerySchema, PairRequestSchema, PermissionAnswerSchema,
  PushSettingsPatchSchema, PushSubscriptionSchema, RenameSessionSchema, SendMessageSchema, SettingsPatchSchema, StartSessionSchema,
  SyncQuerySchema,
} from '../../src/core/index.ts';
import type { Overrides } from './schema-arb.ts';
import type { Account, Owner, World } from './world.ts';

export type AuthRule =
  /** A person's device (a phone, a CLI): a machine token is refused with 403 (it speaks only the machine protocol). */
  | 'person'
  /** A phone's token only (notifications): a CLI or a machine token is refused with 403. */
  | 'phone'
  /** No token needed. */
  | 'none'
  /** A share link's token as the bearer: a device token is refused with 403, anything else that is no live share with 404. */
  | 'share';

export interface ParamSpec {
  /** Real values to try (besides random ones); `$name` is a value `prepare` makes fresh for each case. */
  readonly pool: (w: World) => string[];
  /** Looked up (404 when not the caller's) before the body or query is read. */
  readonly gate: boolean;
}

export interface Prepared {
  readonly value: string;
  /** The account it belongs to (null: nobody's, like a pairing code before it is redeemed). */
  readonly owner: Owner | null;
}

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly auth: AuthRule;
  readonly body?: v.GenericSchema;
  readonly query?: v.GenericSchema;
  /** Field values for bodies built from `body`, drawn from the world (so valid bodies reach real rows). */
  readonly overrides?: (w: World) => Overrides;
  readonly params?: Readonly<Record<string, ParamSpec>>;
  /** The documented success statuses (docs/api.md). */
  readonly ok: readonly number[];
  /** Ids in params and body must belong to the caller's account for a 2xx (false for pairing, shares, health). */
  readonly scoped: boolean;
  /** Makes fresh resources a case may consume (a device to revoke, a code to redeem): the values for `$name`. */
  readonly prepare?: (w: World) => Promise<Record<string, Prepared>>;
}

const sessionsOf = (x: Account) => Object.values(x.sessions);
const allSessions = (w: World) => [...sessionsOf(w.a), ...sessionsOf(w.b)];
const machinesOf = (w: World) => [w.a.machine.machineId, w.a.spareMachineId, w.b.machine.machineId, w.b.spareMachineId];
const sessionParam: ParamSpec = { pool: allSessions, gate: true };

/** Body fields drawn from the world, so a well-formed body names real machines, sessions and codes. */
const worldFields = (w: World): Overrides => ({
  machineId: fc.constantFrom(...machinesOf(w)),
  summaryOf: fc.constantFrom(...allSessions(w)),
  clientId: fc.oneof(fc.constantFrom('A-c1', 'B-c1', 'A-c2'), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
  code: fc.oneof(fc.constantFrom('$phoneCode', '$machineCode', '$usedCode'), fc.stringMatching(/^[A-Z0-9-]{6,32}$/)),
  // Real modes mostly — `plan` is one for Claude, OpenCode and Gemini alike, so random backends still start often —
  // a random id now and then.
  permissionMode: fc.oneof({ weight: 6, arbitrary: fc.constant('plan') }, { weight: 2, arbitrary: fc.constantFrom('default', 'acceptEdits') }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z/-]{1,20}$/) }),
});

/** A P-256 public key as a browser gives it (uncompressed point, base64url). */
const SAMPLE_P256DH = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/api/health', auth: 'none', ok: [200], scoped: false },
  {
    method: 'POST', path: '/api/pair', auth: 'none', body: PairRequestSchema, overrides: worldFields, ok: [201], scoped: false,
    async prepare(w) {
      const used = w.ts.admin.createPairingCode(w.a.id as never, 'phone');
      await fetch(`${w.ts.url}/api/pair`, { method: 'POST', body: JSON.stringify({ code: used.code, name: 'x', kind: 'phone' }) });
      return {
        phoneCode: { value: w.ts.admin.createPairingCode(w.a.id as never, 'phone').code, owner: null },
        machineCode: { value: w.ts.admin.createPairingCode(w.b.id as never, 'machine').code, owner: null },
        usedCode: { value: used.code, owner: null },
      };
    },
  },
  { method: 'POST', path: '/api/pairing-codes', auth: 'person', body: CreatePairingCodeSchema, ok: [201], scoped: true },
  { method: 'GET', path: '/api/devices', auth: 'person', ok: [200], scoped: true },
  {
    method: 'DELETE', path: '/api/devices/:id', auth: 'person', ok: [204], scoped: true,
    params: { id: { pool: (w) => ['$deviceA', '$deviceB', w.a.revokedDeviceId, w.b.revokedDeviceId], gate: true } },
    async prepare(w) {
      return {
        deviceA: { value: w.ts.admin.issueToken(w.a.id as never, 'phone', 'victim').deviceId, owner: 'A' },
        deviceB: { value: w.ts.admin.issueToken(w.b.id as never, 'cli', 'victim').deviceId, owner: 'B' },
      };
    },
  },
  { method: 'GET', path: '/api/sync', auth: 'person', query: SyncQuerySchema, ok: [200], scoped: true },
  { method: 'GET', path: '/api/machines', auth: 'person', ok: [200], scoped: true },
  { method: 'GET', path: '/api/settings', auth: 'person', ok: [200], scoped: true },
  { method: 'PUT', path: '/api/settings', auth: 'person', body: SettingsPatchSchema, ok: [200], scoped: true },
  { method: 'POST', path: '/api/sessions', auth: 'person', body: StartSessionSchema, overrides: worldFields, ok: [201], scoped: true },
  { method: 'GET', path: '/api/sessions/:id', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  { method: 'PATCH', path: '/api/sessions/:id', auth: 'person', params: { id: sessionParam }, body: RenameSessionSchema, ok: [200], scoped: true },
  { method: 'GET', path: '/api/sessions/:id/messages', auth: 'person', params: { id: sessionParam }, query: MessagesQuerySchema, ok: [200], scoped: true },
  {
    method: 'POST', path: '/api/sessions/:id/messages', auth: 'person', params: { id: sessionParam }, body: SendMessageSchema,
    overrides: worldFields, ok: [200, 202], scoped: true,
  },
  {
    // A message held for an offline machine, called off; `prepare` holds a fresh one in each account for each case.
    method: 'POST', path: '/api/sessions/:id/messages/:messageId/cancel', auth: 'person', ok: [200], scoped: true,
    params: {
      id: { pool: (w) => ['$awayA', '$awayB', ...allSessions(w)], gate: true },
      messageId: { pool: (w) => ['$heldA', '$heldB', ...w.a.messageIds, ...w.b.messageIds], gate: false },
    },
    async prepare(w) {
      const hold = async (x: Account): Promise<Prepared> => {
        const res = await x.phone.post(`/api/sessions/${x.awaySession}/messages`, { clientId: `held-${Math.random().toString(36).slice(2)}`, text: 'wait for it' });
        return { value: res.body.message.id as string, owner: x.tag };
      };
      return { awayA: { value: w.a.awaySession, owner: 'A' }, awayB: { value: w.b.awaySession, owner: 'B' }, heldA: await hold(w.a), heldB: await hold(w.b) };
    },
  },
  { method: 'POST', path: '/api/sessions/:id/archive', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  { method: 'POST', path: '/api/sessions/:id/unarchive', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  { method: 'POST', path: '/api/sessions/:id/stop', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  {
    method: 'POST', path: '/api/sessions/:id/takeover', auth: 'person', ok: [200], scoped: true,
    params: { id: { pool: (w) => [...allSessions(w), ...w.a.directs, ...w.b.directs], gate: true } },
  },
  { method: 'POST', path: '/api/sessions/:id/interrupt', auth: 'person', params: { id: sessionParam }, ok: [204], scoped: true },
  {
    method: 'POST', path: '/api/sessions/:id/permissions/:permissionId', auth: 'person', body: PermissionAnswerSchema, ok: [200], scoped: true,
    // Mostly a plain answer (half the world's requests can also be allowed for the session; a random hash never matches).
    overrides: () => ({ scope: fc.constantFrom('once', 'once', 'session') }),
    params: { id: sessionParam, permissionId: { pool: (w) => [...w.a.permissionIds, ...w.b.permissionIds], gate: false } },
  },
  { method: 'GET', path: '/api/sessions/:id/resume-attempts', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  { method: 'GET', path: '/api/sessions/:id/history', auth: 'person', params: { id: sessionParam }, query: HistoryQuerySchema, ok: [200], scoped: true },
  { method: 'POST', path: '/api/sessions/:id/shares', auth: 'person', params: { id: sessionParam }, body: CreateShareSchema, ok: [201], scoped: true },
  { method: 'GET', path: '/api/sessions/:id/shares', auth: 'person', params: { id: sessionParam }, ok: [200], scoped: true },
  {
    method: 'DELETE', path: '/api/shares/:id', auth: 'person', ok: [204], scoped: true,
    params: { id: { pool: () => ['$shareA', '$shareB'], gate: true } },
    async prepare(w) {
      const make = async (x: Account): Promise<Prepared> => {
        const res = await x.phone.post(`/api/sessions/${x.sessions.inactive}/shares`, { expiresInSeconds: 600 });
        return { value: res.body.id as string, owner: x.tag };
      };
      return { shareA: await make(w.a), shareB: await make(w.b) };
    },
  },
  { method: 'GET', path: '/api/push', auth: 'person', ok: [200], scoped: true },
  {
    method: 'POST', path: '/api/push/subscription', auth: 'phone', body: PushSubscriptionSchema, ok: [201], scoped: true,
    // Endpoints a push service could have (https, or this machine's loopback) and real P-256 keys, so valid bodies pass.
    overrides: () => ({
      endpoint: fc.oneof(fc.constantFrom('https://push.example/send/abc', 'http://127.0.0.1:9/push/x'), fc.webUrl()),
      p256dh: fc.constantFrom(SAMPLE_P256DH, `${SAMPLE_P256DH}=`),
      auth: fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', 'q83vEjRWeJA_BBBBBBBBBB'),
    }),
  },
  { method: 'DELETE', path: '/api/push/subscription', auth: 'person', ok: [204], scoped: true },
  { method: 'PUT', path: '/api/push/settings', auth: 'phone', body: PushSettingsPatchSchema, ok: [200], scoped: true },
  {
    method: 'POST', path: '/api/push/test', auth: 'phone', ok: [202], scoped: true,
    // Each phone subscribed (a case may have just unsubscribed it), so a test notification can be queued.
    async prepare(w) {
      const body = { endpoint: 'https://push.example/send/fuzz', keys: { p256dh: SAMPLE_P256DH, auth: 'AAAAAAAAAAAAAAAAAAAAAA' } };
      for (const x of [w.a, w.b]) await x.phone.post('/api/push/subscription', body);
      return {};
    },
  },
  { method: 'GET', path: '/api/shared', auth: 'share', ok: [200], scoped: false },
  {
    method: 'GET', path: '/api/shared/:token', auth: 'none', ok: [200], scoped: false,
    params: { token: { pool: (w) => [w.a.shareToken, w.b.shareToken, w.a.phoneToken, `${w.a.shareToken}x`], gate: true } },
  },
];

/** `METHOD /path` as Hono prints its routes. */
export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
