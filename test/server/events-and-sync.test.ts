// The phone's view: sync since a cursor returns only what changed; the events socket hints and streams messages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPhoneSocket, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, waitForSession, serverWithLaptop, stopServerWithLaptop } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop));

describe('sync', () => {
  it('returns everything from 0, then only what changed after a cursor', async () => {
    const a = await liveSession(ts, laptop, 'v-a');
    const b = await liveSession(ts, laptop, 'v-b');
    const full = (await ts.phone.route('sync', { query: { since: 0 } })).body;
    expect(full.sessions.map((s: any) => s.id).sort()).toEqual([a.id, b.id].sort());
    expect(full.machines).toHaveLength(1);
    expect(full.settings).toEqual({ disabledBackends: [], codexBackend: 'codex-app-server' });

    expect((await ts.phone.route('editSession', { id: b.id, body: { title: 'renamed' } })).status).toBe(200);
    const delta = (await ts.phone.route('sync', { query: { since: full.cursor } })).body;
    expect(delta.cursor).toBeGreaterThan(full.cursor);
    expect(delta.sessions.map((s: any) => [s.id, s.title])).toEqual([[b.id, 'renamed']]);
    expect(delta.machines).toEqual([]);
    const nothing = (await ts.phone.route('sync', { query: { since: delta.cursor } })).body;
    expect(nothing.sessions).toEqual([]);
  });

  it('sends only the machine when it goes away; its sessions are not resent (clients derive their availability)', async () => {
    const s = await inactiveSession(ts, laptop);
    const before = (await ts.phone.route('sync', { query: { since: 0 } })).body.cursor;
    await laptop.disconnect();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    const delta = (await ts.phone.route('sync', { query: { since: before } })).body;
    expect(delta.sessions).toEqual([]);
    expect(delta.machines[0]).toMatchObject({ online: false });
    // A full sync still evaluates every session on fresh facts.
    expect((await ts.phone.route('sync', { query: { since: 0 } })).body.sessions[0]).toMatchObject({ id: s.id, availability: { state: 'blocked', reason: 'machine-offline' } });
  });
});

describe('the events socket', () => {
  it('sends welcome with the cursor, `changed` on every change and live `message` events', async () => {
    const s = await liveSession(ts, laptop);
    const phone = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    const welcome = await phone.next('welcome');
    const sent = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c1', text: 'hi' } });
    expect((await phone.next('changed')).cursor).toBeGreaterThan(welcome.cursor);
    expect((await phone.next('message')).message).toMatchObject({ id: sent.body.message.id, state: 'accepted' });
    laptop.ack(s.id, sent.body.message.id);
    expect((await phone.next('message', (m) => m.message.id === sent.body.message.id)).message.state).toBe('delivered');
    laptop.event(s.id, 'e1', { kind: 'text', text: 'echo: hi' });
    expect((await phone.next('message', (m) => m.message.role === 'agent')).message.text).toBe('echo: hi');
    // What crossed the socket is what the app, the viewer and the CLI accept, whole.
    expect(phone.invalid).toEqual([]);
    phone.close();
  });

  it('sends every message frame of a burst in order, and its `changed` hints coalesced: the first at once, the latest cursor last', async () => {
    const s = await liveSession(ts, laptop);
    const phone = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    const welcome = await phone.next('welcome');
    for (let i = 1; i <= 40; i++) laptop.event(s.id, `burst-${i}`, { kind: 'text', text: `line ${i}` });
    await phone.next('message', (m) => m.message.text === 'line 40');
    expect(phone.all('message').map((m) => m.message.text)).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
    const final = (await ts.phone.route('sync', { query: { since: welcome.cursor } })).body.cursor as number;
    await phone.next('changed', (c) => c.cursor === final);
    const hints = phone.all('changed').map((c) => c.cursor);
    // One per 100 ms window at most (the burst takes a few): far fewer than the 40 changes.
    expect(hints.length).toBeLessThan(10);
    expect(hints).toEqual([...hints].sort((a, b) => a - b));
    expect(hints.at(-1)).toBe(final);
    phone.close();
  });

  it('gives a share viewer only its session’s messages', async () => {
    const shared = await liveSession(ts, laptop, 'v-1');
    const other = await liveSession(ts, laptop, 'v-2');
    const share = await ts.phone.route('createShare', { id: shared.id, body: { expiresInSeconds: 600 } });
    const viewer = await openPhoneSocket(ts.url, { shareToken: share.body.token });
    await viewer.next('welcome');
    await ts.phone.route('sendMessage', { id: other.id, body: { clientId: 'secret', text: 'not for the viewer' } });
    const visible = await ts.phone.route('sendMessage', { id: shared.id, body: { clientId: 'public', text: 'for the viewer' } });
    expect((await viewer.next('message')).message.id).toBe(visible.body.message.id);
    expect(viewer.all('message').map((m) => m.message.sessionId)).toEqual([shared.id]);
    expect(viewer.all('changed')).toEqual([]);
    viewer.close();
  });
});

describe('starting a new session', () => {
  it('sends start, delivers the first message after started, and seeds a labelled summary of an old session', async () => {
    const old = await liveSession(ts, laptop, 'v-old');
    const m = await ts.phone.route('sendMessage', { id: old.id, body: { clientId: 'o1', text: 'fix the login bug' } });
    laptop.ack(old.id, m.body.message.id);
    laptop.event(old.id, 'e1', { kind: 'text', text: 'I changed auth.ts' });
    const res = await ts.phone.route('startSession', { body: {
      machineId: laptop.machineId, provider: 'claude', cwd: '/work/app', title: 'continued',
      message: { clientId: 'n1', text: 'carry on' }, summaryOf: old.id,
    } });
    expect(res.status).toBe(201);
    const start = await laptop.next('start', (x) => x.sessionId === res.body.session.id);
    expect(start).toMatchObject({ provider: 'claude', backend: 'claude-stream', cwd: '/work/app', title: 'continued' });
    laptop.started(start.requestId, start.sessionId, 'v-new');
    const deliver = await laptop.next('deliver', (d) => d.sessionId === start.sessionId);
    expect(deliver.text).toMatch(/^\[Summary of an earlier session/);
    expect(deliver.text).toContain('User: fix the login bug');
    expect(deliver.text).toContain('Agent: I changed auth.ts');
    expect(deliver.text.endsWith('carry on')).toBe(true);
    expect((await waitForSession(ts, start.sessionId, (x) => x.status === 'active')).vendorId).toBe('v-new');
  });

  it('refuses a machine that is not connected with 409 machine-offline', async () => {
    await laptop.disconnect();
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/w' } });
    expect(res.status).toBe(409);
    expect(res.body.error.reason).toBe('machine-offline');
  });
});
