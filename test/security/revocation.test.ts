// Revoking a device takes what it made with it and silences it at once.
// Regression: a revoked phone's share links and unredeemed pairing codes kept working, and a revoked machine was
// still heard — its frames applied, the machine shown online — until its socket's close handshake timed out (30 s).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode, PROTOCOL_VERSION, SOCKET_PATHS, SocketError } from '../../src/core/index.ts';
import { openDeafSocket } from '../helpers/deaf-socket.ts';
import { allCapabilities, apiClient, openPhoneSocket, waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, messagesOf, serverWithLaptop, stopServerWithLaptop } from '../server/fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop, true));

/** A second phone of the account, and its device id. */
function tablet() {
  const issued = ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet');
  return { api: apiClient(ts.url, issued.token), token: issued.token, deviceId: issued.deviceId };
}

const readShare = (token: string) => apiClient(ts.url, token).route('readShared');

describe('what a revoked device made', () => {
  it('its share links stop opening, and their viewers are cut off; other devices’ links stay', async () => {
    const s = await liveSession(ts, laptop);
    const t = tablet();
    const theirs = (await t.api.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    const mine = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    const viewer = await openPhoneSocket(ts.url, { shareToken: theirs.token });
    await viewer.next('welcome');

    expect((await ts.phone.route('revokeDevice', { id: t.deviceId })).status).toBe(204);
    expect((await readShare(theirs.token)).status).toBe(404);
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: theirs.token })).status).toBe(404);
    expect(await viewer.closed).toBe(CloseCode.unauthorized);
    // Its last words were an `error` frame the viewer understands (a known code), not one it would drop.
    expect(viewer.all('error')).toEqual([{ type: 'error', code: SocketError.shareRevoked, message: 'this share link was revoked' }]);
    expect(viewer.invalid).toEqual([]);
    const listed = (await ts.phone.route('listShares', { id: s.id })).body.shares;
    expect(listed.find((x: any) => x.id === theirs.id)).toMatchObject({ revoked: true });
    expect(listed.find((x: any) => x.id === mine.id)).toMatchObject({ revoked: false });
    expect((await readShare(mine.token)).status).toBe(200);
  });

  it('its unredeemed pairing codes stop pairing; another device’s code still pairs', async () => {
    const t = tablet();
    const theirs = (await t.api.route('createPairingCode', { body: { kind: 'phone' } })).body.code as string;
    const mine = (await ts.phone.route('createPairingCode', { body: { kind: 'phone' } })).body.code as string;
    expect((await ts.phone.route('revokeDevice', { id: t.deviceId })).status).toBe(204);
    const pair = (code: string) => apiClient(ts.url, null).route('pair', { body: { code, name: 'new phone', kind: 'phone' } });
    expect((await pair(theirs)).status).toBe(400);
    expect((await pair(mine)).status).toBe(201);
  });
});

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), ms))]);

describe('a revoked machine', () => {
  it('is not heard from the moment it is revoked, and is offline then, not when its socket times out', async () => {
    // The laptop is replaced by a daemon that never answers a close frame (hung, or its network gone quiet).
    const s = await liveSession(ts, laptop);
    await laptop.disconnect();
    const hung = await openDeafSocket(ts.url, SOCKET_PATHS.machine);
    hung.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: laptop.token, name: 'laptop', capabilities: allCapabilities(), sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-1', running: true }] });
    await waitFor(() => hung.received.some((f: any) => f.type === 'welcome'), 'welcome');
    hung.send({ type: 'agent-event', sessionId: s.id, eventId: 'before', event: { kind: 'text', text: 'said before the revocation' } });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === 'said before the revocation'), 'the first event stored');

    const device = (await ts.phone.route('listDevices')).body.devices.find((d: any) => d.kind === 'machine');
    expect((await ts.phone.route('revokeDevice', { id: device.id })).status).toBe(204);
    expect((await ts.phone.route('listMachines')).body.machines[0]).toMatchObject({ online: false });
    hung.send({ type: 'agent-event', sessionId: s.id, eventId: 'after', event: { kind: 'text', text: 'written by a revoked machine' } });
    // Cut a second after its unanswered close frame (ws alone waits 30 s): every frame sent before that was read, and dropped.
    await within(hung.dropped, 5_000, 'the revoked machine’s socket stayed open');
    expect(hung.closeCodes).toEqual([4401]);
    expect((await messagesOf(ts, s.id)).map((m) => m.text)).not.toContain('written by a revoked machine');
    expect((await ts.phone.route('listMachines')).body.machines[0]).toMatchObject({ online: false });
  });
});

describe('a revoked phone', () => {
  it('is cut off within a second even when it never answers the close frame, and gets nothing more', async () => {
    const s = await liveSession(ts, laptop);
    const t = tablet();
    const hung = await openDeafSocket(ts.url, SOCKET_PATHS.events);
    hung.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: t.token });
    await waitFor(() => hung.received.some((f: any) => f.type === 'welcome'), 'welcome');
    expect((await ts.phone.route('revokeDevice', { id: t.deviceId })).status).toBe(204);
    const seen = hung.received.length;
    laptop.event(s.id, 'after', { kind: 'text', text: 'not for a revoked phone' });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === 'not for a revoked phone'), 'the event stored');
    await within(hung.dropped, 5_000, 'the revoked phone’s socket stayed open');
    expect(hung.closeCodes).toEqual([4401]);
    expect(hung.received.slice(seen).filter((f: any) => f.type === 'message')).toEqual([]);
  });
});
