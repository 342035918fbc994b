// Hostile frames on the machine socket (/api/machine): before hello (wrong protocol, wrong tokens, binary,
// oversized, not UTF-8) and after it (every message type, valid-shaped ones naming other machines' and other
// accounts' sessions, messages and attempts, and mutated ones). The server answers with a protocol error or
// a 44xx close, never crashes, and changes only what the frame may change.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, SOCKET_PATHS, MachineUpSchema, PROTOCOL_VERSION } from '../../src/core/index.ts';
import { allCapabilities, waitFor } from '../helpers/server-harness.ts';
import { describeChanges, diffSnapshots } from './db-snapshot.ts';
import { sessionOfChange } from './scope.ts';
import { frameArb, payloadOf, wire } from './frames.ts';
import { helloArb, machineOverrides, outOfBounds, pairedFrameArb, parseMachineUp, type Pending } from './machine-frames.ts';
import { arbitraryFor } from './schema-arb.ts';
import { check, timeLimit } from './seed.ts';
import { FuzzSocket, type Outgoing } from './socket-client.ts';
import { buildWorld, type World } from './world.ts';

let w: World;
/** Stands in for A's laptop daemon (it replaced the world's scripted one). */
let laptop: FuzzSocket;
const pending: Pending = { starts: [], resumes: [] };
let barrier = 0;

/** Sends a frame the server is sure to refuse with a message naming it; resolves once that answer is in. */
async function sync(sock: FuzzSocket): Promise<void> {
  const marker = `fuzz-barrier-${++barrier}`;
  sock.send({ kind: 'json', value: { type: marker } }, LIMITS.wsFrameBytes);
  const ok = await sock.until(() => sock.received.some((f) => f.type === 'error' && String(f.message).includes(marker)));
  if (!ok) throw new Error(`the machine socket did not answer (closed: ${sock.closeCode})`);
}

const machineRow = (id: string) => w.db.row('machines', id) as { online: number; last_seen_at: number } | undefined;

beforeAll(async () => {
  w = await buildWorld();
  laptop = await FuzzSocket.open(w.ts.url, SOCKET_PATHS.machine);
  laptop.send({
    kind: 'json',
    value: {
      type: 'hello', protocol: PROTOCOL_VERSION, token: w.a.machineToken, name: 'A-laptop', capabilities: allCapabilities(),
      sessions: [{ sessionId: w.a.sessions.live, vendorResumeId: 'A-vendor-live', running: true }],
    },
  }, LIMITS.wsFrameBytes);
  await laptop.until(() => laptop.received.some((f) => f.type === 'welcome'));
  // Accepted messages on the live session, so an ack or deliver-failed has something to move.
  for (let i = 0; i < 4; i++) await w.a.phone.route('sendMessage', { id: w.a.sessions.live, body: { clientId: `queued-${i}`, text: `queued ${i}` } });
  w.a.messagesBySession[w.a.sessions.live] = (await w.a.phone.route('listMessages', { id: w.a.sessions.live })).body.messages.map((m: { id: string }) => m.id);
  // Starts and a resume the daemon has not answered, so `started` and `resume-result` can name real ones.
  for (let i = 0; i < 6; i++) {
    const res = await w.a.phone.route('startSession', { body: { machineId: w.a.machine.machineId, provider: 'claude', cwd: `/fuzz/${i}`, message: { clientId: `first-${i}`, text: 'go' } } });
    const id = res.body.session.id as string;
    w.a.messagesBySession[id] = (await w.a.phone.route('listMessages', { id })).body.messages.map((m: { id: string }) => m.id);
  }
  await w.a.phone.route('sendMessage', { id: w.a.sessions.inactive, body: { clientId: 'fuzz-resume', text: 'wake up' } });
  await laptop.until(() => laptop.received.filter((f) => f.type === 'start').length === 6 && laptop.received.some((f) => f.type === 'resume'));
  for (const f of laptop.received) {
    if (f.type === 'start') pending.starts.push({ requestId: String(f.requestId), sessionId: String(f.sessionId) });
    if (f.type === 'resume') pending.resumes.push({ attemptId: String(f.attemptId), sessionId: String(f.sessionId), vendorResumeId: String(f.vendorResumeId) });
  }
});
afterAll(async () => {
  await laptop?.terminate();
  await w?.stop();
});

describe('after hello', () => {
  it('every frame gets an answer or is applied within bounds; invalid ones change nothing', async () => {
    const self = w.a.machine.machineId;
    const own = [...Object.values(w.a.sessions), ...w.a.directs, ...pending.starts.map((p) => p.sessionId)];
    const valid = fc.oneof(arbitraryFor(MachineUpSchema, machineOverrides(w, pending)), pairedFrameArb(w, own, pending));
    const applied = new Set<string>();
    let refused = 0;
    await check(fc.array(frameArb(valid), { minLength: 1, maxLength: 4 }), 250, async (frames) => {
      for (const out of frames) {
        const before = w.db.snapshot();
        w.clock.t += 1000;
        laptop.send(wire(out), LIMITS.wsFrameBytes);
        await sync(laptop);
        const after = w.db.snapshot();
        const frame = parseMachineUp(payloadOf(out));
        const changes = diffSnapshots(before, after);
        if (frame === null) refused++;
        else if (changes.length > 0) applied.add(frame.type);
        for (const change of changes) {
          const why = outOfBounds(frame, change, { self, account: w.a.id, before });
          if (why) throw new Error(`${why}: ${describeChanges([change])}\n  frame: ${JSON.stringify(payloadOf(out))?.slice(0, 400)}`);
        }
        const internal = laptop.received.filter((f) => f.code === 'internal');
        if (internal.length > 0) throw new Error(`the server failed to apply a frame: ${JSON.stringify(internal[0])}\n${w.logs.filter((l) => l.includes('failed')).join('\n')}`);
        if (laptop.strange.length > 0) throw new Error(`a frame that is not a JSON object: ${laptop.strange[0]}`);
      }
    });
    expect(laptop.open).toBe(true);
    expect((await w.a.phone.route('health')).status).toBe(200);
    // Not vacuous: real frames reached the handlers and changed things, and broken ones were refused.
    expect(applied.size, `frame types that changed something: ${[...applied].join(', ')}`).toBeGreaterThanOrEqual(8);
    expect(refused).toBeGreaterThan(0);
  }, timeLimit(30_000));

  it('a heartbeat writes nothing; the last frame’s time becomes last-seen when the machine goes away', async () => {
    const self = w.a.machine.machineId;
    w.clock.t += 1000;
    const before = w.db.snapshot();
    laptop.send({ kind: 'json', value: { type: 'heartbeat' } }, LIMITS.wsFrameBytes);
    await sync(laptop); // the barrier arrives at the same instant: the last frame is at `lastFrame`
    const lastFrame = w.clock.t;
    expect(describeChanges(diffSnapshots(before, w.db.snapshot()))).toBe('');
    w.clock.t += 60_000;
    await laptop.terminate();
    await waitFor(() => machineRow(self)?.online === 0, 'the laptop to go offline');
    expect(machineRow(self)!.last_seen_at).toBe(lastFrame);
  });
});

describe('before hello', () => {
  const connectionClosers: fc.Arbitrary<Outgoing> = fc.constantFrom({ kind: 'oversized' as const }, { kind: 'bad-utf8' as const });

  // Runs after the tests above: A's laptop token is fair game now that its socket is gone.
  it('every first frame gets an error (closing with 44xx unless it was merely not JSON) or, for a valid machine hello, a welcome', async () => {
    const tokens = [w.a.machineToken, w.a.spareMachineToken, w.b.spareMachineToken, w.a.phoneToken, w.a.cliToken, w.a.shareToken, w.a.revokedToken];
    const owners = new Map([[w.a.machine.machineId, w.a.id], [w.a.spareMachineId, w.a.id], [w.b.spareMachineId, w.b.id]]);
    // Reports naming this machine's sessions, other machines' and other accounts' (which must change nothing).
    const reports = fc.array(fc.record({
      sessionId: fc.constantFrom(...Object.values(w.a.sessions), ...pending.starts.map((p) => p.sessionId), w.b.sessions.live, w.b.sessions.inactive),
      vendorResumeId: fc.option(fc.constantFrom(...w.a.vendorIds, ...w.b.vendorIds, 'vendor-other'), { nil: null }),
      running: fc.boolean(),
    }), { maxLength: 4 });
    const hello = helloArb(tokens, reports);
    const others = arbitraryFor(MachineUpSchema, machineOverrides(w, pending));
    const outcomes = new Set<string>();
    const first = fc.oneof(
      { weight: 4, arbitrary: frameArb(hello) },
      { weight: 2, arbitrary: frameArb(others) },
      { weight: 1, arbitrary: connectionClosers },
    );
    await check(fc.array(first, { minLength: 1, maxLength: 3 }), 150, async (frames) => {
      const sock = await FuzzSocket.open(w.ts.url, SOCKET_PATHS.machine);
      const before = w.db.snapshot();
      let welcomed: string | null = null;
      for (const out of frames) {
        if (!sock.open) break;
        const seen = sock.received.length;
        w.clock.t += 1000;
        sock.send(wire(out), LIMITS.wsFrameBytes);
        const answered = await sock.until(() => sock.received.length > seen);
        if (!answered && sock.closeCode === null) throw new Error(`no answer to ${JSON.stringify(payloadOf(out))?.slice(0, 200)}`);
        const last = sock.received.at(-1);
        if (answered && last?.type === 'welcome') {
          welcomed = String(last.machineId);
          break;
        }
        if (answered && (last?.type !== 'error' || typeof last.code !== 'string')) throw new Error(`an answer that is not an error: ${JSON.stringify(last)}`);
        // Not JSON (text or binary) is answered and the socket waits for a real hello; anything else closes it.
        if (answered && last!.code !== 'bad-frame') await sock.closed;
      }
      const serverClose = sock.closeCode;
      if (serverClose !== null && ![4400, 4401, 4403, 1007, 1009].includes(serverClose)) throw new Error(`closed with ${serverClose}`);
      outcomes.add(welcomed ? 'welcome' : String(serverClose ?? 'open'));
      await sock.close();
      if (welcomed) await waitFor(() => machineRow(welcomed!)?.online === 0, 'the machine to go offline');
      const after = w.db.snapshot();
      const changes = diffSnapshots(before, after);
      // A welcomed machine's hello and goodbye touch only that machine, its sessions (and their messages and attempts) and its account's cursor.
      const stray = changes.filter((c) => {
        if (!welcomed) return true;
        if (c.table === 'machines') return c.key !== welcomed;
        if (c.table === 'accounts') return c.key !== owners.get(welcomed);
        const session = sessionOfChange(c);
        return session === null || after.get('sessions')?.get(session)?.machine_id !== welcomed;
      });
      if (stray.length > 0) throw new Error(`changed without a welcome or beyond the machine: ${describeChanges(stray)}`);
      for (const c of changes) {
        if (c.table === 'sessions' && c.before && c.after && c.before.vendor_resume_id !== null && c.before.vendor_resume_id !== c.after.vendor_resume_id) {
          throw new Error(`a hello changed a vendor resume id: ${describeChanges([c])}`);
        }
      }
      if (sock.received.some((f) => f.code === 'internal') || sock.strange.length > 0) throw new Error(`a broken answer: ${JSON.stringify(sock.received)}`);
    });
    expect((await w.a.phone.route('health')).status).toBe(200);
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['4400', '4401', 'welcome']));
  }, timeLimit(30_000));

  it('an oversized or non-UTF-8 frame after hello closes only that socket (1009 / 1007); last-seen is the hello', async () => {
    for (const out of [{ kind: 'oversized' as const }, { kind: 'bad-utf8' as const }]) {
      const sock = await FuzzSocket.open(w.ts.url, SOCKET_PATHS.machine);
      w.clock.t += 1000;
      sock.send({ kind: 'json', value: { type: 'hello', protocol: PROTOCOL_VERSION, token: w.a.spareMachineToken, name: 'A-spare', capabilities: {}, sessions: [] } }, LIMITS.wsFrameBytes);
      await sock.until(() => sock.received.some((f) => f.type === 'welcome'));
      const helloAt = w.clock.t;
      w.clock.t += 1000;
      sock.send(out, LIMITS.wsFrameBytes);
      expect(await sock.closed).toBe(out.kind === 'oversized' ? 1009 : 1007);
      await waitFor(() => machineRow(w.a.spareMachineId)?.online === 0, 'the spare machine to go offline');
      expect(machineRow(w.a.spareMachineId)!.last_seen_at).toBe(helloAt);
    }
    expect((await w.a.phone.route('health')).status).toBe(200);
  });
});
