// Structured agent events on the server: a tool call is one transcript message updated in place (running → done
// with its result), stored once per event id, paged and streamed like any message; streamed text settles; plans
// replace themselves. Permission answers carry their scope and can only approve what fits on the phone; the
// permission mode is chosen at start, changed per session, and goes to the machine with every start and resume.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { permissionInputHash, type MessageRecord } from '../../src/core/index.ts';
import { apiClient, openPhoneSocket, waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, messagesOf, waitForSession, serverWithLaptop, stopServerWithLaptop } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop));

const call = (status: 'running' | 'done' | 'failed', result: unknown = null) => ({
  kind: 'tool-call', callId: 'toolu_1', tool: 'Bash', title: null, input: JSON.stringify({ command: 'npm test' }), status, result, changes: [],
});

describe('tool calls', () => {
  it('the first report adds a tool message, later ones update the same message in place; the phone sees each change', async () => {
    const s = await liveSession(ts, laptop);
    const phone = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    await phone.next('welcome');
    laptop.event(s.id, 'e1', call('running'));
    const running = (await phone.next('message', (m) => m.message.role === 'tool')).message as MessageRecord;
    expect(running).toMatchObject({ tool: 'Bash', text: 'npm test', entry: { kind: 'tool', status: 'running', result: null } });
    laptop.event(s.id, 'e2', call('done', { text: 'ok 1\nok 2', truncated: false, size: 10, exitCode: 0 }));
    const done = (await phone.next('message', (m) => m.message.id === running.id && m.message.entry?.kind === 'tool' && m.message.entry.status === 'done')).message;
    expect(done.seq).toBe(running.seq);
    expect(done.entry).toMatchObject({ result: { text: 'ok 1\nok 2', exitCode: 0 } });
    // The same event again (a daemon resending after a reconnect) changes nothing; one message in all.
    laptop.event(s.id, 'e1', call('running'));
    laptop.event(s.id, 'e3', { kind: 'text', text: 'after' });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === 'after'));
    const tools = (await messagesOf(ts, s.id)).filter((m) => m.role === 'tool');
    expect(tools).toHaveLength(1);
    expect(tools[0]!.entry).toMatchObject({ status: 'done' });
    // Each frame with an entry is one the app keeps whole (its schema checks every field).
    expect(phone.invalid).toEqual([]);
    phone.close();
  });

  it('a call still running when the turn ends is shown as not finished; streamed text as final', async () => {
    const s = await liveSession(ts, laptop);
    laptop.event(s.id, 'e1', call('running'));
    laptop.event(s.id, 'e2', { kind: 'text', text: 'Hel', partId: 'msg_1' });
    laptop.event(s.id, 'e3', { kind: 'text', text: 'Hello, wor', partId: 'msg_1' });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === 'Hello, wor'));
    const streaming = (await messagesOf(ts, s.id)).filter((m) => m.role === 'agent');
    expect(streaming).toHaveLength(1);
    expect(streaming[0]!.entry).toEqual({ kind: 'text', partId: 'msg_1', streaming: true });
    laptop.event(s.id, 'e4', { kind: 'turn-end' });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.entry?.kind === 'tool' && m.entry.status === 'failed'));
    const after = await messagesOf(ts, s.id);
    expect(after.find((m) => m.role === 'agent')!.entry).toMatchObject({ streaming: false });
  });

  it('a plan replaces itself under its id; its text says how far it got', async () => {
    const s = await liveSession(ts, laptop);
    laptop.event(s.id, 'p1', { kind: 'plan', planId: 'plan-t1', items: [{ text: 'read', status: 'in-progress' }, { text: 'write', status: 'pending' }] });
    laptop.event(s.id, 'p2', { kind: 'plan', planId: 'plan-t1', items: [{ text: 'read', status: 'done' }, { text: 'write', status: 'in-progress' }] });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === '1 of 2 done'));
    const plans = (await messagesOf(ts, s.id)).filter((m) => m.entry?.kind === 'plan');
    expect(plans).toHaveLength(1);
    expect(plans[0]!.entry).toEqual({ kind: 'plan', planId: 'plan-t1', items: [{ text: 'read', status: 'done' }, { text: 'write', status: 'in-progress' }] });
  });

  it('entries page like messages (after / before) and come back the same from the share view', async () => {
    const s = await liveSession(ts, laptop);
    for (let i = 1; i <= 5; i++) laptop.event(s.id, `t${i}`, { ...call('done', { text: `out ${i}`, truncated: false, size: 5, exitCode: 0 }), callId: `c${i}` });
    await waitFor(async () => (await messagesOf(ts, s.id)).length === 5);
    const first = (await ts.phone.route('listMessages', { id: s.id, query: { after: 0, limit: 2 } })).body;
    expect(first.hasMore).toBe(true);
    expect(first.messages.map((m: MessageRecord) => m.entry?.kind === 'tool' && m.entry.result?.text)).toEqual(['out 1', 'out 2']);
    const older = (await ts.phone.route('listMessages', { id: s.id, query: { before: 5, limit: 2 } })).body;
    expect(older.messages.map((m: MessageRecord) => m.entry?.kind === 'tool' && m.entry.callId)).toEqual(['c3', 'c4']);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 600 } })).body;
    const shared = (await apiClient(ts.url, null).route('readSharedByPath', { token: share.token })).body;
    expect(shared.messages.at(-1).entry).toMatchObject({ kind: 'tool', callId: 'c5' });
  });

  it('refuses a malformed tool call (too many changes, an unknown status) and stores nothing', async () => {
    const s = await liveSession(ts, laptop);
    laptop.event(s.id, 'bad1', { ...call('running'), status: 'exploded' });
    laptop.event(s.id, 'bad2', { ...call('running'), changes: Array.from({ length: 51 }, () => ({ path: 'a', kind: 'edit', before: null, after: null, patch: '', truncated: false })) });
    const err = await laptop.next('error');
    expect(err.code).toBe('bad-frame');
    laptop.event(s.id, 'ok', { kind: 'text', text: 'still here' });
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.text === 'still here'));
    expect((await messagesOf(ts, s.id)).filter((m) => m.role === 'tool')).toEqual([]);
  });
});

describe('permission answers', () => {
  const ask = (s: string, id: string, extra: Record<string, unknown> = {}) =>
    laptop.event(s, `ask-${id}`, { kind: 'permission-request', permissionId: id, tool: 'Bash', input: JSON.stringify({ command: 'make clean' }), description: 'Clean the build', title: 'Run make', ...extra });

  it('keeps the vendor’s words, and "for this session" reaches the machine when the vendor offers it', async () => {
    const s = await liveSession(ts, laptop);
    ask(s.id, 'p1', { sessionScope: true, callId: 'toolu_9' });
    const m = await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission'));
    expect(m.permission).toMatchObject({ permissionId: 'p1', description: 'Clean the build', title: 'Run make', sessionScope: true, callId: 'toolu_9', decision: null });
    const r = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p1', body: { decision: 'allow', scope: 'session', inputHash: permissionInputHash(m.permission!.input) } });
    expect(r.status).toBe(200);
    expect(r.body.message.permission).toMatchObject({ decision: 'allow', scope: 'session' });
    expect(await laptop.next('permission-answer')).toMatchObject({ permissionId: 'p1', decision: 'allow', scope: 'session' });
  });

  it('"for this session" is refused where the vendor does not offer it, and for a deny; nothing is answered', async () => {
    const s = await liveSession(ts, laptop);
    ask(s.id, 'p2');
    await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission'));
    expect((await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p2', body: { decision: 'allow', scope: 'session' } })).status).toBe(400);
    expect((await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p2', body: { decision: 'deny', scope: 'session' } })).status).toBe(400);
    expect((await messagesOf(ts, s.id)).find((x) => x.role === 'permission')!.permission!.decision).toBeNull();
    expect(laptop.all('permission-answer')).toEqual([]);
  });

  it('an input too long to show whole can be denied but never allowed from here', async () => {
    const s = await liveSession(ts, laptop);
    ask(s.id, 'p3', { inputTruncated: true });
    await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission'));
    const allow = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p3', body: { decision: 'allow' } });
    expect(allow.status).toBe(409);
    expect(allow.body.error.message).toMatch(/too long to show/);
    expect((await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p3', body: { decision: 'deny' } })).status).toBe(200);
  });

  // Seen with the real Codex under `baton up`: Stop while it asked left the request open for ever — Allow/Deny still
  // shown, and once the session was resumed an Allow went to a new agent that never asked.
  it('a request whose agent went away expires: no longer answerable, even after the session is resumed', async () => {
    const s = await liveSession(ts, laptop);
    ask(s.id, 'p4');
    await waitFor(async () => (await ts.phone.route('getSession', { id: s.id })).body.session.awaitingPermission === true, 'asking');
    laptop.stopped(s.id, 'requested');
    const m = await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission' && x.permission?.decision === 'expired'), 'expired');
    expect(m.permission).toMatchObject({ permissionId: 'p4', decision: 'expired' });
    expect((await ts.phone.route('getSession', { id: s.id })).body.session.awaitingPermission).toBe(false);
    // The session is resumed (a new agent): the old request is still not answerable, and nothing goes to the machine.
    laptop.resumable(s.id, 'vendor-1');
    await laptop.disconnect();
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-1', running: true }] });
    await waitForSession(ts, s.id, (x) => x.status === 'active');
    const r = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p4', body: { decision: 'allow', inputHash: permissionInputHash(m.permission!.input) } });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/no longer asking/);
    expect(laptop.all('permission-answer')).toEqual([]);
  });

  // Seen with the real Claude Code: Interrupt while it asked ended the turn, but the session kept saying "The agent
  // waits for your answer" with Allow/Deny on a request Claude had dropped.
  it('a request still open when its turn ends expires, and the session no longer waits', async () => {
    const s = await liveSession(ts, laptop);
    ask(s.id, 'p5');
    await waitFor(async () => (await ts.phone.route('getSession', { id: s.id })).body.session.awaitingPermission === true, 'asking');
    laptop.event(s.id, 'e-int', { kind: 'turn-end', failure: { code: 'interrupted', detail: '' } });
    const m = await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission' && x.permission?.decision === 'expired'), 'expired');
    expect(m.permission!.permissionId).toBe('p5');
    expect((await ts.phone.route('getSession', { id: s.id })).body.session.awaitingPermission).toBe(false);
    expect((await ts.phone.route('answerPermission', { id: s.id, permissionId: 'p5', body: { decision: 'deny' } })).status).toBe(409);
    expect(laptop.all('permission-answer')).toEqual([]);
  });
});

describe('permission modes', () => {
  it('chosen at start: stored, shown, and sent with the start; a mode the backend does not have is refused', async () => {
    const bad = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/w', permissionMode: 'on-request/read-only' } });
    expect(bad.status).toBe(400);
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/w', permissionMode: 'acceptEdits' } });
    expect(res.status).toBe(201);
    expect(res.body.session.permissionMode).toBe('acceptEdits');
    expect(await laptop.next('start')).toMatchObject({ sessionId: res.body.session.id, permissionMode: 'acceptEdits' });
  });

  it('changed per session: a running agent is told at once, and the next resume carries it', async () => {
    const s = await liveSession(ts, laptop, 'v-mode');
    const r = await ts.phone.route('editSession', { id: s.id, body: { permissionMode: 'plan' } });
    expect(r.status).toBe(200);
    expect(r.body.session).toMatchObject({ permissionMode: 'plan', title: s.title });
    expect(await laptop.next('set-permission-mode')).toMatchObject({ sessionId: s.id, mode: 'plan' });
    laptop.stopped(s.id, 'exited');
    await waitForSession(ts, s.id, (x) => x.status === 'inactive');
    await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c1', text: 'go on' } });
    expect(await laptop.next('resume')).toMatchObject({ sessionId: s.id, vendorResumeId: 'v-mode', permissionMode: 'plan' });
  });

  it('an idle session keeps the new mode without bothering the machine; a bad one or an empty patch is refused', async () => {
    const s = await inactiveSession(ts, laptop, 'v-idle');
    expect((await ts.phone.route('editSession', { id: s.id, body: { permissionMode: 'acceptEdits' } })).body.session.permissionMode).toBe('acceptEdits');
    expect(laptop.all('set-permission-mode')).toEqual([]);
    expect((await ts.phone.route('editSession', { id: s.id, body: { permissionMode: 'yolo' } })).status).toBe(400);
    expect((await ts.phone.route('editSession', { id: s.id })).status).toBe(400);
    expect((await ts.phone.route('getSession', { id: s.id })).body.session.permissionMode).toBe('acceptEdits');
  });
});
