// What a share link's reader gets, and how the link carries its token.
// Regression: share viewers got the session's cwd, machine id and vendor ids (and the messages' client ids and
// failure details, which name paths), and the token travelled in request paths (`/shared/<token>`,
// `/api/shared/<token>`), where proxies and access logs keep it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, openPhoneSocket, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let sessionId: string;
let share: { id: string; token: string; url: string };
beforeAll(async () => {
  ts = await startTestServer({ publicUrl: 'https://baton.example.net' });
  laptop = ts.machine('laptop');
  await laptop.connect();
  const s = await liveSession(ts, laptop, 'vendor-secret-7', { cwd: '/home/dev/private-client/repo', title: 'Fix the login' });
  sessionId = s.id;
  expect((await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'phone-client-1', text: 'please fix it' } })).status).toBe(202);
  laptop.event(s.id, 'e1', { kind: 'text', text: 'on it' });
  await waitForSession(ts, s.id, (x) => x.lastActivityAt > 0);
  share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
});
afterAll(async () => {
  await laptop.disconnect();
  await ts.stop();
});

/** Every machine fact a reader must not see, as the owner's own view has them. */
const secrets = () => ['/home/dev/private-client/repo', 'vendor-secret-7', laptop.machineId, 'phone-client-1'];

describe('the link', () => {
  it('carries its token in the fragment, which a browser never sends, and names its server', () => {
    expect(share.url).toBe(`https://baton.example.net/shared?server=${encodeURIComponent('https://baton.example.net')}#${share.token}`);
    const url = new URL(share.url);
    expect(url.pathname).toBe('/shared');
    expect(url.hash).toBe(`#${share.token}`);
    expect(url.searchParams.get('server')).toBe('https://baton.example.net');
  });
});

describe('GET /api/shared (token in Authorization)', () => {
  it('answers the reader’s view: the title and the transcript, no folder, machine or vendor ids', async () => {
    const res = await apiClient(ts.url, share.token).route('readShared');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.session).sort()).toEqual(['archived', 'awaitingPermission', 'backend', 'createdAt', 'id', 'lastActivityAt', 'provider', 'status', 'title']);
    expect(res.body.session).toMatchObject({ id: sessionId, title: 'Fix the login', provider: 'claude' });
    expect(res.body.messages.map((m: any) => m.text)).toEqual(expect.arrayContaining(['please fix it', 'on it']));
    const text = JSON.stringify(res.body);
    for (const secret of secrets()) expect(text).not.toContain(secret);
  });

  it('refuses no token (401), a device token (403) and a token that is no live share (404)', async () => {
    expect((await apiClient(ts.url, null).route('readShared')).status).toBe(401);
    expect((await apiClient(ts.url, ts.phoneToken).route('readShared')).status).toBe(403);
    expect((await apiClient(ts.url, 'bs_not-a-share').route('readShared')).status).toBe(404);
  });

  it('still answers the old path for links made before, with the same reader’s view', async () => {
    const res = await apiClient(ts.url, null).route('readSharedByPath', { token: share.token });
    expect(res.status).toBe(200);
    for (const secret of secrets()) expect(JSON.stringify(res.body)).not.toContain(secret);
  });
});

describe('the viewer’s socket', () => {
  it('streams messages without the sender’s client id or a failure’s detail', async () => {
    const viewer = await openPhoneSocket(ts.url, { shareToken: share.token });
    await viewer.next('welcome');
    const owner = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    await owner.next('welcome');
    expect((await ts.phone.route('sendMessage', { id: sessionId, body: { clientId: 'phone-client-2', text: 'and the tests' } })).status).toBe(202);
    const seen = await viewer.next('message', (f) => f.message.text === 'and the tests');
    expect(seen.message.clientId).toBeNull();
    // The owner's own socket still gets it whole.
    expect((await owner.next('message', (f) => f.message.text === 'and the tests')).message.clientId).toBe('phone-client-2');
    const start = await laptop.next('deliver', (m) => m.sessionId === sessionId && m.text === 'and the tests');
    laptop.send({ type: 'deliver-failed', sessionId, messageId: start.messageId, code: 'cwd-invalid', detail: 'the working directory "/home/dev/private-client/repo" does not exist on this machine' });
    const failed = await viewer.next('message', (f) => f.message.id === start.messageId && f.message.state === 'failed');
    expect(failed.message.failure).toEqual({ code: 'cwd-invalid', detail: '' });
    expect((await owner.next('message', (f) => f.message.id === start.messageId && f.message.state === 'failed')).message.failure?.detail).toContain('private-client');
    expect(viewer.invalid).toEqual([]);
    expect(owner.invalid).toEqual([]);
    viewer.close();
    owner.close();
  });
});
