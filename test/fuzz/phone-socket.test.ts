// Hostile frames on the events socket (/api/events): hellos with every kind of token (another account's, a
// machine's, a share's, revoked, made up) and protocol, pings before and after hello, repeated hellos, mutated
// and random JSON, text, binary, oversized and non-UTF-8 frames. Each frame gets one answer (welcome, pong or
// an error) or a 44xx close; the server stays up; and the events socket never changes the database.
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LIMITS, SOCKET_PATHS, PROTOCOL_VERSION, PhoneUpSchema } from '../../src/core/index.ts';
import { describeChanges, diffSnapshots } from './db-snapshot.ts';
import { frameArb, payloadOf, wire } from './frames.ts';
import { arbitraryFor } from './schema-arb.ts';
import { check, timeLimit } from './seed.ts';
import { FuzzSocket, type Outgoing } from './socket-client.ts';
import { buildWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await buildWorld();
});
afterAll(async () => {
  await w?.stop();
});

const ANSWERS = new Set(['welcome', 'pong', 'error']);

it('every frame gets one answer or a 44xx close, and nothing in the database changes', async () => {
  const tokens = [w.a.phoneToken, w.b.phoneToken, w.a.cliToken, w.a.machineToken, w.a.shareToken, w.b.shareToken, w.a.revokedToken, `${w.a.phoneToken}x`];
  const cursors = new Map([[w.a.phoneToken, w.a.id], [w.a.cliToken, w.a.id], [w.b.phoneToken, w.b.id]]);
  const tokenArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
  const valid = arbitraryFor(PhoneUpSchema, {
    token: tokenArb,
    shareToken: tokenArb,
    protocol: fc.oneof({ weight: 4, arbitrary: fc.constant(PROTOCOL_VERSION) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, -1, 1.5) }),
  });
  const frame = fc.oneof(
    { weight: 8, arbitrary: frameArb(valid) },
    { weight: 1, arbitrary: fc.constantFrom<Outgoing>({ kind: 'oversized' }, { kind: 'bad-utf8' }) },
  );

  const outcomes = new Set<string>();
  await check(fc.array(frame, { minLength: 1, maxLength: 5 }), 300, async (frames) => {
    const sock = await FuzzSocket.open(w.ts.url, SOCKET_PATHS.events);
    const before = w.db.snapshot();
    for (const out of frames) {
      if (!sock.open) break;
      const seen = sock.received.length;
      sock.send(wire(out), LIMITS.wsFrameBytes);
      // A valid `foreground` after welcome is the one frame with no answer: a ping behind it must get exactly its pong.
      const welcomed = sock.received.some((f) => f.type === 'welcome');
      if (welcomed && v.safeParse(PhoneUpSchema, payloadOf(out)).success && (payloadOf(out) as { type: string }).type === 'foreground') {
        sock.send({ kind: 'json', value: { type: 'ping' } }, LIMITS.wsFrameBytes);
        // Frames are answered in order: once the pong is in, any answer to the foreground frame would be too.
        await sock.until(() => sock.received.slice(seen).some((f) => f.type === 'pong'));
        const got = sock.received.slice(seen).map((f) => f.type);
        if (got.join() !== 'pong') throw new Error(`a foreground frame was answered: ${JSON.stringify(got)}`);
        outcomes.add('foreground');
        continue;
      }
      const answered = await sock.until(() => sock.received.length > seen);
      if (!answered && sock.closeCode === null) throw new Error(`no answer to ${JSON.stringify(payloadOf(out))?.slice(0, 200)}`);
      for (const f of sock.received.slice(seen)) {
        outcomes.add(f.type === 'welcome' ? `welcome:${f.cursor === 0 ? 'share' : 'device'}` : String(f.type));
        if (!ANSWERS.has(String(f.type))) throw new Error(`an unexpected frame: ${JSON.stringify(f)}`);
        if (f.type === 'error' && (typeof f.code !== 'string' || typeof f.message !== 'string')) throw new Error(`a malformed error: ${JSON.stringify(f)}`);
        if (f.type === 'welcome') {
          // A device sees its own account's cursor; a share viewer sees 0 (it follows one session, not an account).
          const hello = payloadOf(out) as { token?: string };
          const account = hello.token !== undefined ? cursors.get(hello.token) : undefined;
          const expected = account ? (w.db.row('accounts', account) as { cursor: number }).cursor : 0;
          if (f.cursor !== expected) throw new Error(`welcome with cursor ${String(f.cursor)}, expected ${expected} for ${JSON.stringify(hello)}`);
        }
      }
    }
    const serverClose = sock.closeCode;
    await sock.close();
    if (serverClose !== null && ![4400, 4401, 4403, 1007, 1009].includes(serverClose)) throw new Error(`closed with ${serverClose}`);
    if (serverClose !== null) outcomes.add(String(serverClose));
    if (sock.strange.length > 0) throw new Error(`a frame that is not a JSON object: ${sock.strange[0]}`);
    const changes = diffSnapshots(before, w.db.snapshot());
    if (changes.length > 0) throw new Error(`the events socket changed the database: ${describeChanges(changes)}`);
  });
  expect((await w.a.phone.route('health')).status).toBe(200);
  // Not vacuous: devices and share viewers got in, pings were answered, bad hellos and bad tokens were shut out.
  expect([...outcomes]).toEqual(expect.arrayContaining(['welcome:device', 'welcome:share', 'pong', 'error', 'foreground', '4400', '4401']));
  expect(w.logs.filter((l) => l.includes('internal error'))).toEqual([]);
}, timeLimit(30_000));
