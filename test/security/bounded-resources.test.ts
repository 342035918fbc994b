// Bounds on what one client can make the server hold: unsent bytes per socket, sockets per token, session starts.
// Regression: 20 share viewers that never read grew the server from 98 to 679 MB (no cap on a socket's send
// buffer), 1,000 sockets on one token were accepted, and 25 parallel starts made 25 agents.
// (The memory figure itself is measured in bench/slow-readers.ts.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SOCKET_LIMITS } from '../../src/server/hub/phone-hub.ts';
import { RATE_LIMITS } from '../../src/server/http/routes-account.ts';
import { apiClient, openPhoneSocket, waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, serverWithLaptop, stopServerWithLaptop } from '../server/fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop, true));

describe('a reader that does not keep up', () => {
  it('is closed once its unsent bytes pass the cap; a reader beside it gets everything; it re-syncs over HTTP', async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    const stuck = await openPhoneSocket(ts.url, { shareToken: share.token });
    const reader = await openPhoneSocket(ts.url, { shareToken: share.token });
    await Promise.all([stuck.next('welcome'), reader.next('welcome')]);
    const stuckClosed = new Promise<void>((resolve) => stuck.ws.once('close', () => resolve()));
    // It stops reading: what the server sends piles up in the kernel's buffers, then in the server's.
    (stuck.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    // ~24 MB of agent output: far more than loopback's socket buffers hold, so the server's own queue grows.
    const EVENTS = 400;
    const text = (i: number) => `${i} `.padEnd(60_000, 'x');
    const got = () => reader.all('message').filter((f) => f.message.text.endsWith('x')).length;
    for (let i = 0; i < EVENTS; i++) {
      laptop.event(s.id, `big-${i}`, { kind: 'text', text: text(i) });
      // The reader reads as it goes (this process plays both it and the machine, so it paces the machine by it).
      if (i % 10 === 9) await waitFor(() => got() >= i + 1, `the reader to read event ${i}`, 30_000);
    }
    await waitFor(() => ts.logs().some((l) => /events socket of share shr_\S+ closed: \d+ bytes unsent/.test(l)), 'the stuck viewer to be closed', 30_000);
    const unsent = Number(/closed: (\d+) bytes unsent/.exec(ts.logs().find((l) => l.includes('bytes unsent'))!)![1]);
    // Closed just past the cap, not after piling up the whole transcript.
    expect(unsent).toBeGreaterThan(SOCKET_LIMITS.maxBufferedBytes);
    expect(unsent).toBeLessThan(SOCKET_LIMITS.maxBufferedBytes + 2 * 70_000);

    await waitFor(() => got() === EVENTS, 'the reader to get every event', 30_000);
    expect(ts.logs().filter((l) => l.includes('bytes unsent'))).toHaveLength(1);
    (stuck.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await stuckClosed;
    // Re-syncing is what every reconnect does: HTTP has it all.
    const again = await apiClient(ts.url, share.token).route('readShared');
    expect(again.status).toBe(200);
    expect(again.body.messages.at(-1).text).toBe(text(EVENTS - 1));
    reader.close();
  }, 60_000);
});

describe('sockets per token', () => {
  it(`accepts ${SOCKET_LIMITS.perDevice} sockets on one device token and refuses the next with 4429, until one closes`, async () => {
    const socks = [];
    for (let i = 0; i < SOCKET_LIMITS.perDevice; i++) {
      const sock = await openPhoneSocket(ts.url, { token: ts.phoneToken });
      await sock.next('welcome');
      socks.push(sock);
    }
    const extra = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    expect(await extra.closed).toBe(4429);
    expect(extra.all('error')[0]).toMatchObject({ code: 'too-many-sockets' });
    // Another device of the account is not held back by this one.
    const tablet = ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet');
    const other = await openPhoneSocket(ts.url, { token: tablet.token });
    await other.next('welcome');
    socks[0]!.close();
    await socks[0]!.closed;
    const replacement = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    await replacement.next('welcome');
    for (const sock of [...socks.slice(1), other, replacement]) sock.close();
  });

  it(`accepts ${SOCKET_LIMITS.perShare} viewers on one share link and refuses the next`, async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    const viewers = await Promise.all(Array.from({ length: SOCKET_LIMITS.perShare }, () => openPhoneSocket(ts.url, { shareToken: share.token })));
    await Promise.all(viewers.map((v) => v.next('welcome')));
    const extra = await openPhoneSocket(ts.url, { shareToken: share.token });
    expect(await extra.closed).toBe(4429);
    for (const v of viewers) v.close();
  });
});

describe('session starts', () => {
  it(`allow a burst of ${RATE_LIMITS.startBurst} per device, then 429 with Retry-After; no agent is asked for the refused one`, async () => {
    const start = (api = ts.phone) => api.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app' } });
    const answers = await Promise.all(Array.from({ length: 25 }, () => start()));
    const accepted = answers.filter((a) => a.status === 201);
    expect(accepted).toHaveLength(RATE_LIMITS.startBurst);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(25 - RATE_LIMITS.startBurst);
    expect(answers.find((a) => a.status === 429)!.body.error.kind).toBe('rate-limited');
    // Only the accepted ones reached the machine.
    for (const a of accepted) await laptop.next('start', (m) => m.sessionId === a.body.session.id);
    expect(laptop.all('start')).toHaveLength(RATE_LIMITS.startBurst);
    // Another device starts its own.
    const tablet = apiClient(ts.url, ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet').token);
    expect((await start(tablet)).status).toBe(201);
  });
});
