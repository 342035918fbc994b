// The fuzz list: every HTTP API route of the table (src/core/routes.ts), where its ids come from, and its documented 2xx.
// http-api.test.ts fails when the server registers a route this list does not name (or the reverse).
import fc from 'fast-check';
import type * as v from 'valibot';
import { ROUTES as TABLE, routeMethod, routePattern, type HttpMethod, type RouteDef, type RouteName, type Who } from '../../src/core/index.ts';
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

export interface RouteSpec extends Omit<FuzzSpec, 'name'> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: AuthRule;
  readonly body?: v.GenericSchema;
  readonly query?: v.GenericSchema;
}

/** What the fuzz adds to a route of the table. */
interface FuzzSpec {
  readonly name: RouteName;
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

const SPECS: readonly FuzzSpec[] = [
  { name: 'health', ok: [200], scoped: false },
  {
    name: 'pair', overrides: worldFields, ok: [201], scoped: false,
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
  { name: 'createPairingCode', ok: [201], scoped: true },
  { name: 'listDevices', ok: [200], scoped: true },
  {
    name: 'revokeDevice', ok: [204], scoped: true,
    params: { id: { pool: (w) => ['$deviceA', '$deviceB', w.a.revokedDeviceId, w.b.revokedDeviceId], gate: true } },
    async prepare(w) {
      return {
        deviceA: { value: w.ts.admin.issueToken(w.a.id as never, 'phone', 'victim').deviceId, owner: 'A' },
        deviceB: { value: w.ts.admin.issueToken(w.b.id as never, 'cli', 'victim').deviceId, owner: 'B' },
      };
    },
  },
  { name: 'sync', ok: [200], scoped: true },
  { name: 'listMachines', ok: [200], scoped: true },
  { name: 'getSettings', ok: [200], scoped: true },
  { name: 'updateSettings', ok: [200], scoped: true },
  { name: 'startSession', overrides: worldFields, ok: [201], scoped: true },
  { name: 'getSession', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'editSession', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'listMessages', params: { id: sessionParam }, ok: [200], scoped: true },
  {
    name: 'sendMessage', params: { id: sessionParam }, overrides: worldFields, ok: [200, 202], scoped: true,
  },
  {
    // A message held for an offline machine, called off; `prepare` holds a fresh one in each account for each case.
    name: 'cancelMessage', ok: [200], scoped: true,
    params: {
      id: { pool: (w) => ['$awayA', '$awayB', ...allSessions(w)], gate: true },
      messageId: { pool: (w) => ['$heldA', '$heldB', ...w.a.messageIds, ...w.b.messageIds], gate: false },
    },
    async prepare(w) {
      const hold = async (x: Account): Promise<Prepared> => {
        const res = await x.phone.route('sendMessage', { id: x.awaySession, body: { clientId: `held-${Math.random().toString(36).slice(2)}`, text: 'wait for it' } });
        return { value: res.body.message.id as string, owner: x.tag };
      };
      return { awayA: { value: w.a.awaySession, owner: 'A' }, awayB: { value: w.b.awaySession, owner: 'B' }, heldA: await hold(w.a), heldB: await hold(w.b) };
    },
  },
  { name: 'archiveSession', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'unarchiveSession', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'stopSession', params: { id: sessionParam }, ok: [200], scoped: true },
  {
    name: 'takeOverSession', ok: [200], scoped: true,
    params: { id: { pool: (w) => [...allSessions(w), ...w.a.directs, ...w.b.directs], gate: true } },
  },
  { name: 'interruptSession', params: { id: sessionParam }, ok: [204], scoped: true },
  {
    name: 'answerPermission', ok: [200], scoped: true,
    // Mostly a plain answer (half the world's requests can also be allowed for the session; a random hash never matches).
    overrides: () => ({ scope: fc.constantFrom('once', 'once', 'session') }),
    params: { id: sessionParam, permissionId: { pool: (w) => [...w.a.permissionIds, ...w.b.permissionIds], gate: false } },
  },
  { name: 'listResumeAttempts', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'readHistory', params: { id: sessionParam }, ok: [200], scoped: true },
  { name: 'createShare', params: { id: sessionParam }, ok: [201], scoped: true },
  { name: 'listShares', params: { id: sessionParam }, ok: [200], scoped: true },
  {
    name: 'revokeShare', ok: [204], scoped: true,
    params: { id: { pool: () => ['$shareA', '$shareB'], gate: true } },
    async prepare(w) {
      const make = async (x: Account): Promise<Prepared> => {
        const res = await x.phone.route('createShare', { id: x.sessions.inactive, body: { expiresInSeconds: 600 } });
        return { value: res.body.id as string, owner: x.tag };
      };
      return { shareA: await make(w.a), shareB: await make(w.b) };
    },
  },
  { name: 'pushStatus', ok: [200], scoped: true },
  {
    name: 'subscribePush', ok: [201], scoped: true,
    // Endpoints a push service could have (https, or this machine's loopback) and real P-256 keys, so valid bodies pass.
    overrides: () => ({
      endpoint: fc.oneof(fc.constantFrom('https://push.example/send/abc', 'http://127.0.0.1:9/push/x'), fc.webUrl()),
      p256dh: fc.constantFrom(SAMPLE_P256DH, `${SAMPLE_P256DH}=`),
      auth: fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', 'q83vEjRWeJA_BBBBBBBBBB'),
    }),
  },
  { name: 'unsubscribePush', ok: [204], scoped: true },
  { name: 'updatePushSettings', ok: [200], scoped: true },
  {
    name: 'testPush', ok: [202], scoped: true,
    // Each phone subscribed (a case may have just unsubscribed it), so a test notification can be queued.
    async prepare(w) {
      const body = { endpoint: 'https://push.example/send/fuzz', keys: { p256dh: SAMPLE_P256DH, auth: 'AAAAAAAAAAAAAAAAAAAAAA' } };
      for (const x of [w.a, w.b]) await x.phone.route('subscribePush', { body: body });
      return {};
    },
  },
  { name: 'readShared', ok: [200], scoped: false },
  {
    name: 'readSharedByPath', ok: [200], scoped: false,
    params: { token: { pool: (w) => [w.a.shareToken, w.b.shareToken, w.a.phoneToken, `${w.a.shareToken}x`], gate: true } },
  },
];

/** Method, path, who may call it and the schemas come from the route table (src/core/routes.ts); the rest is the fuzz's. */
export const ROUTES: readonly RouteSpec[] = SPECS.map((s) => {
  const def: RouteDef = TABLE[s.name];
  return { ...s, method: routeMethod(s.name), path: routePattern(s.name), auth: authRule(def.who), ...(def.body ? { body: def.body } : {}), ...(def.query ? { query: def.query } : {}) };
});

function authRule(who: Who): AuthRule {
  if (who === 'anyone') return 'none';
  if (who === 'share') return 'share';
  return who.includes('cli') ? 'person' : 'phone';
}

/** `METHOD /path` as Hono prints its routes. */
export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
