// Regression: a `deliver` repeated after a daemon restart (the server never saw the ack) is re-acked,
// never written to the agent twice. A stand-in server socket plays the server re-sending after reconnect;
// the daemon is the real child process and the agent the real fake claude, whose transcript is the proof.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { SOCKET_PATHS, type MachineDown, type MachineUp } from '../../src/core/index.ts';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';
import { BATON, eventually } from './stack.ts';

let fake: FakeEnv | null = null;
let daemon: ChildProcess | null = null;
let wss: WebSocketServer | null = null;
afterEach(async () => {
  daemon?.kill('SIGKILL');
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  await fake?.cleanup();
});

it('re-acks a repeated deliver after a restart without writing the message again', async () => {
  fake = await createFakeEnv();
  const env = fake;
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: SOCKET_PATHS.machine });
  await new Promise<void>((r) => wss!.once('listening', () => r()));
  const url = `http://127.0.0.1:${(wss.address() as { port: number }).port}`;
  let sock: WebSocket | null = null;
  const frames: MachineUp[] = [];
  wss.on('connection', (s) => {
    sock = s;
    s.on('message', (d) => {
      const f = JSON.parse(d.toString()) as MachineUp;
      frames.push(f);
      if (f.type === 'hello') s.send(JSON.stringify({ type: 'welcome', protocol: 1, machineId: 'm1' }));
    });
  });
  const down = (f: MachineDown) => sock!.send(JSON.stringify(f));
  const home = join(env.root, 'laptop');
  writeJsonFileAtomic(join(home, 'daemon.json'), { serverUrl: url, token: 't', name: 'laptop' });
  const startDaemon = () => {
    frames.length = 0;
    daemon = spawn(process.execPath, [BATON, 'daemon', '--server', url], { env: { ...process.env, ...env.env, BATON_HOME: home }, stdio: 'ignore', cwd: env.cwd });
  };
  const frame = <T extends MachineUp['type']>(type: T, pred: (f: Extract<MachineUp, { type: T }>) => boolean = () => true) =>
    eventually(async () => frames.find((f): f is Extract<MachineUp, { type: T }> => f.type === type && pred(f as Extract<MachineUp, { type: T }>)), `a ${type} frame`);

  startDaemon();
  await frame('hello');
  down({ type: 'start', requestId: 'r1', sessionId: 's1' as never, provider: 'claude', backend: 'claude-stream', cwd: env.cwd, title: 't' });
  const started = await frame('started');
  down({ type: 'deliver', sessionId: 's1' as never, messageId: 'm1' as never, text: 'only once' });
  await frame('ack', (f) => f.messageId === 'm1');
  await frame('resumable');
  await frame('agent-event', (f) => f.event.kind === 'turn-end');

  // The daemon dies; the server (as if the ack had been lost) resumes and re-sends the same message.
  daemon!.kill('SIGKILL');
  startDaemon();
  const hello = await frame('hello');
  // The interrupted session's report says what was written to it (the server may have missed the ack).
  expect(hello.sessions).toEqual([{ sessionId: 's1', vendorResumeId: started.vendorId, running: false, delivered: ['m1'] }]);
  down({ type: 'resume', attemptId: 'a1' as never, sessionId: 's1' as never, vendorResumeId: started.vendorId, backend: 'claude-stream', cwd: env.cwd });
  await frame('resume-result', (f) => f.ok);
  down({ type: 'deliver', sessionId: 's1' as never, messageId: 'm1' as never, text: 'only once' });
  await frame('ack', (f) => f.messageId === 'm1');
  // A real new message still goes through, so the agent is there and listening.
  down({ type: 'deliver', sessionId: 's1' as never, messageId: 'm2' as never, text: 'second' });
  // Not any turn-end: the first life's may be re-sent after the hello (its confirmation died with that daemon).
  await frame('agent-event', (f) => f.event.kind === 'text' && f.event.text === 'echo: second');

  const projects = join(env.env.CLAUDE_CONFIG_DIR!, 'projects');
  const transcript = readdirSync(projects).flatMap((d) => readdirSync(join(projects, d)).map((f) => readFileSync(join(projects, d, f), 'utf8'))).join('');
  // The transcript keeps user content as sent: a string or text parts (tool results are parts too, not text).
  const textOf = (c: unknown): string | null => typeof c === 'string' ? c
    : Array.isArray(c) && c.some((p: { type?: string }) => p.type === 'text') ? c.filter((p: { type?: string }) => p.type === 'text').map((p: { text: string }) => p.text).join('\n') : null;
  const userTexts = transcript.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message?: { content?: unknown } })
    .filter((l) => l.type === 'user').map((l) => textOf(l.message?.content)).filter((t) => t !== null);
  expect(userTexts).toEqual(['only once', 'second']);
  expect((await env.record('claude')).map((r) => r.event)).toEqual(['created', 'resumed']);
}, 60_000);
