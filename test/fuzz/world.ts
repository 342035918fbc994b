// The world the fuzz tests attack: one server, two accounts (A and B), each with a phone, a CLI, a connected
// scripted machine, sessions in every interesting state (live with a pending permission, inactive, waiting
// on a resume, direct), a share link and a revoked device. Nothing in it moves unless a test moves it.
import { ScriptedMachine, apiClient, startTestServer, waitFor, type ApiClient, type TestServer } from '../helpers/server-harness.ts';
import { watchDatabase, type DbWatcher } from './db-snapshot.ts';

export type Owner = 'A' | 'B';

export interface Account {
  readonly tag: Owner;
  readonly id: string;
  readonly phoneToken: string;
  readonly phoneDeviceId: string;
  readonly phone: ApiClient;
  readonly cliToken: string;
  readonly machineToken: string;
  readonly machine: ScriptedMachine;
  /** A second machine device of the account, never connected by setup (pre-hello tests may connect it). */
  readonly spareMachineToken: string;
  readonly spareMachineId: string;
  readonly revokedToken: string;
  readonly revokedDeviceId: string;
  readonly shareToken: string;
  readonly shareId: string;
  readonly sessions: { readonly live: string; readonly inactive: string; readonly pending: string; readonly direct: string };
  /** More direct sessions, so more than one take-over can succeed. */
  readonly directs: string[];
  readonly messageIds: string[];
  /** Session id → its message ids, so a frame can name a message of the session it names. */
  readonly messagesBySession: Record<string, string[]>;
  readonly permissionIds: string[];
  readonly attemptIds: string[];
  readonly vendorIds: string[];
  /** A resumable session on a machine that went away: a message sent to it is held (cancel has something to call off). */
  readonly awaySession: string;
}

export interface World {
  readonly ts: TestServer;
  readonly a: Account;
  readonly b: Account;
  readonly db: DbWatcher;
  /** The server's clock (tests advance it by hand). */
  readonly clock: { t: number };
  /** Lines the server logged (internal errors show up here). */
  readonly logs: string[];
  stop(): Promise<void>;
}

/** No rate limit or background timer may fire while a case runs: every change must come from the case itself. */
const QUIET = {
  resumeTimeoutMs: 24 * 3600_000,
  heartbeatTimeoutMs: 24 * 3600_000,
  rateLimits: { pairFailuresPerClient: 1e9, pairFailuresOverall: 1e9, sendBurst: 1e9, shareReadBurst: 1e9, startBurst: 1e9 },
  // Notifications are queued (rows a case's own request writes) but never sent, and no offline grace timer runs.
  push: { background: false },
};

export async function buildWorld(options: { staticDir?: string } = {}): Promise<World> {
  const clock = { t: 1_700_000_000_000 };
  const logs: string[] = [];
  const ts = await startTestServer({ ...QUIET, now: () => clock.t, log: (l) => logs.push(l), staticDir: options.staticDir ?? null });
  const a = await buildAccount(ts, 'A', ts.accountId, { token: ts.phoneToken, deviceId: await ownDeviceId(ts.phone) });
  const bId = ts.admin.createAccount();
  const bPhone = ts.admin.issueToken(bId, 'phone', 'b-phone');
  const b = await buildAccount(ts, 'B', bId, { token: bPhone.token, deviceId: bPhone.deviceId });
  const db = watchDatabase(ts.home);
  return {
    ts, a, b, db, clock, logs,
    async stop() {
      db.close();
      await Promise.all([a.machine.disconnect(), b.machine.disconnect()]);
      await ts.stop();
    },
  };
}

async function ownDeviceId(phone: ApiClient): Promise<string> {
  const res = await phone.route('listDevices');
  return (res.body.devices as { id: string; current: boolean }[]).find((d) => d.current)!.id;
}

async function buildAccount(ts: TestServer, tag: Owner, accountId: string, phoneDevice: { token: string; deviceId: string }): Promise<Account> {
  const phone = apiClient(ts.url, phoneDevice.token);
  const cli = ts.admin.issueToken(accountId as never, 'cli', `${tag}-cli`);
  const laptop = ts.admin.issueToken(accountId as never, 'machine', `${tag}-laptop`);
  const spare = ts.admin.issueToken(accountId as never, 'machine', `${tag}-spare`);
  const machine = new ScriptedMachine(ts.url, laptop.token, laptop.machineId!);
  await machine.connect({ name: `${tag}-laptop`, history: () => ({ ok: true, page: { entries: [], hasOlder: false } }) });

  const start = async (vendorId: string) => {
    const res = await phone.route('startSession', { body: { machineId: machine.machineId, provider: 'claude', cwd: `/work/${tag}/${vendorId}` } });
    if (res.status !== 201) throw new Error(`world: start failed ${JSON.stringify(res.body)}`);
    const cmd = await machine.next('start', (m) => m.sessionId === res.body.session.id);
    machine.started(cmd.requestId, cmd.sessionId, vendorId);
    machine.resumable(cmd.sessionId, vendorId);
    await settled(phone, cmd.sessionId, (s) => s.status === 'active' && s.vendorResumeId === vendorId);
    return cmd.sessionId as string;
  };
  const stop = async (id: string) => {
    machine.stopped(id, 'exited');
    await settled(phone, id, (s) => s.status === 'inactive');
  };

  // Live: a delivered message, agent text, and a permission request still open.
  const live = await start(`${tag}-vendor-live`);
  const sent = await phone.route('sendMessage', { id: live, body: { clientId: `${tag}-c1`, text: 'hello' } });
  const deliver = await machine.next('deliver', (m) => m.messageId === sent.body.message.id);
  machine.ack(live, deliver.messageId);
  machine.event(live, `${tag}-e1`, { kind: 'text', text: 'hi there' });
  // Several open permission requests, so more than one answer can succeed.
  const permissionIds = Array.from({ length: 8 }, (_, i) => `${tag}-perm-${i + 1}`);
  // Half of them can be allowed for the rest of the session, as the vendors offer it.
  permissionIds.forEach((p, i) => machine.event(live, `${tag}-p${i}`, { kind: 'permission-request', permissionId: p, tool: 'Bash', input: `ls ${i}`, ...(i % 2 === 0 ? { sessionScope: true } : {}) }));
  await waitFor(async () => (await phone.route('listMessages', { id: live })).body.messages.filter((m: { role: string }) => m.role === 'permission').length === permissionIds.length, 'the permission requests');

  const inactive = await start(`${tag}-vendor-inactive`);
  await stop(inactive);

  // Waiting on a strict resume that nobody answers (its timeout is a day away).
  const pending = await start(`${tag}-vendor-pending`);
  await stop(pending);
  const waiting = await phone.route('sendMessage', { id: pending, body: { clientId: `${tag}-c2`, text: 'are you there?' } });
  if (waiting.status !== 202) throw new Error(`world: send to inactive failed ${JSON.stringify(waiting.body)}`);
  const resume = await machine.next('resume', (m) => m.sessionId === pending);

  const directVendorIds = Array.from({ length: 8 }, (_, i) => `${tag}-vendor-direct${i === 0 ? '' : i}`);
  machine.send({
    type: 'direct-sessions',
    sessions: directVendorIds.map((id) => ({ provider: 'claude', backend: 'claude-stream', vendorResumeId: id, cwd: `/work/${tag}/${id}`, title: 'direct', updatedAt: 1 })),
  });
  const directRows = await waitFor(async () => {
    const res = await phone.route('sync');
    const found = (res.body.sessions as { id: string; managed: boolean; vendorResumeId: string }[]).filter((s) => !s.managed);
    return found.length === directVendorIds.length ? found : null;
  }, 'the direct sessions');
  const direct = directRows.find((s) => s.vendorResumeId === directVendorIds[0])!.id;
  const directs = directRows.map((s) => s.id).filter((id) => id !== direct);

  // A third machine that ran one session and went away: sends to that session are held for it.
  const awayDevice = ts.admin.issueToken(accountId as never, 'machine', `${tag}-away`);
  const away = new ScriptedMachine(ts.url, awayDevice.token, awayDevice.machineId!);
  await away.connect({ name: `${tag}-away` });
  const awayStart = await phone.route('startSession', { body: { machineId: away.machineId, provider: 'claude', cwd: `/work/${tag}/away` } });
  const awayCmd = await away.next('start');
  away.started(awayCmd.requestId, awayCmd.sessionId, `${tag}-vendor-away`);
  away.resumable(awayCmd.sessionId, `${tag}-vendor-away`);
  away.stopped(awayCmd.sessionId, 'exited');
  await settled(phone, awayStart.body.session.id, (s) => s.status === 'inactive' && s.vendorResumeId === `${tag}-vendor-away`);
  await away.disconnect();
  await settled(phone, awayStart.body.session.id, (s) => s.availability.state === 'blocked');

  const share = await phone.route('createShare', { id: live, body: { expiresInSeconds: 3600 } });
  const revoked = ts.admin.issueToken(accountId as never, 'phone', `${tag}-old-phone`);
  if ((await phone.route('revokeDevice', { id: revoked.deviceId })).status !== 204) throw new Error('world: revoke failed');

  const messagesBySession: Record<string, string[]> = {};
  for (const id of [live, inactive, pending, direct, ...directs]) {
    const res = await phone.route('listMessages', { id });
    messagesBySession[id] = (res.body.messages as { id: string }[]).map((m) => m.id);
  }
  const messageIds = Object.values(messagesBySession).flat();
  return {
    tag, id: accountId, phoneToken: phoneDevice.token, phoneDeviceId: phoneDevice.deviceId, phone,
    cliToken: cli.token, machineToken: laptop.token, machine,
    spareMachineToken: spare.token, spareMachineId: spare.machineId!,
    revokedToken: revoked.token, revokedDeviceId: revoked.deviceId,
    shareToken: share.body.token, shareId: share.body.id,
    sessions: { live, inactive, pending, direct },
    directs,
    messageIds,
    messagesBySession,
    permissionIds,
    attemptIds: [resume.attemptId],
    awaySession: awayStart.body.session.id as string,
    vendorIds: [...['live', 'inactive', 'pending'].map((k) => `${tag}-vendor-${k}`), ...directVendorIds],
  };
}

async function settled(phone: ApiClient, id: string, ok: (s: any) => boolean): Promise<void> {
  await waitFor(async () => {
    const res = await phone.route('getSession', { id });
    return res.status === 200 && ok(res.body.session);
  }, `session ${id} to settle`);
}

/** Which account each id of the world belongs to (sessions, machines, messages, devices, shares, permissions, attempts). */
export function ownerMap(w: World): Map<string, Owner> {
  const map = new Map<string, Owner>();
  for (const x of [w.a, w.b]) {
    const ids = [
      ...Object.values(x.sessions), ...x.directs, x.machine.machineId, x.spareMachineId, x.phoneDeviceId, x.revokedDeviceId, x.shareId,
      ...x.messageIds, ...x.permissionIds, ...x.attemptIds,
    ];
    for (const id of ids) map.set(id, x.tag);
  }
  return map;
}
