// Regression: frames now stay queued until the server confirms them, so a reconnect re-sends what the
// server may already have applied. A `stopped` from a run that ended before the session was resumed would,
// re-sent after the hello that says the session runs, make the server mark it inactive and fail the
// messages it had just re-delivered (shown failed, yet written to the agent: the user resends, a double).
// The daemon drops such stale stop reports when it says hello; everything else is re-sent in order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Backend, MachineDown, MachineUp } from '../../src/core/index.ts';
import { createDaemon, type Daemon } from '../../src/machine/daemon.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { createMemoryDriver, createMemoryVendor } from '../../src/machine/providers/memory-driver.ts';
import { startUnconfirmingServer, type UnconfirmingServer } from './unconfirming-server.ts';

let home: string | null = null;
let daemon: Daemon | null = null;
let server: UnconfirmingServer | null = null;
afterEach(async () => {
  await daemon?.stop();
  await server?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

it('re-sends unconfirmed frames after the hello, except a stop report of a session that runs again', async () => {
  home = mkdtempSync(join(tmpdir(), 'baton-reconnect-'));
  // A server that reads frames but confirms nothing until it "restarts" (its pongs are what confirm).
  server = await startUnconfirmingServer();
  const { connections, url } = server;
  const vendor = createMemoryVendor();
  const drivers = new Map<Backend, BackendDriver>([['claude-stream', createMemoryDriver('claude-stream', vendor)]]);
  daemon = createDaemon({ home, serverUrl: url, token: 't', name: 'laptop', drivers, log: silentLogger, heartbeatMs: 10_000, controlSocket: false });
  await daemon.start();

  const frames = (i: number) => connections[i]?.frames ?? [];
  const until = async <T>(fn: () => T | undefined | false, what: string): Promise<T> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(connections.map((c) => c.frames.map((f) => f.type)))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const down = (f: MachineDown) => connections.at(-1)!.sock.send(JSON.stringify(f));
  await until(() => daemon!.link.state() === 'ready', 'the link');

  // The phone starts a session, stops it, then a message resumes it: started, stopped, resume-result.
  down({ type: 'start', requestId: 'r1', sessionId: 's1' as never, provider: 'claude', backend: 'claude-stream', cwd: '/work', title: 't' });
  const started = await until(() => frames(0).find((f): f is Extract<MachineUp, { type: 'started' }> => f.type === 'started'), 'started');
  down({ type: 'stop', sessionId: 's1' as never });
  await until(() => frames(0).some((f) => f.type === 'stopped'), 'stopped');
  vendor.persisted.add(started.vendorId);
  down({ type: 'resume', attemptId: 'a1' as never, sessionId: 's1' as never, vendorResumeId: started.vendorId, backend: 'claude-stream', cwd: '/work' });
  await until(() => frames(0).some((f) => f.type === 'resume-result'), 'resume-result');

  // The server dies before confirming any of it; the daemon reconnects to its successor.
  server.confirm();
  connections[0]!.sock.terminate();
  await until(() => frames(1).some((f) => f.type === 'resume-result'), 'the frames again on the next connection');
  const again = frames(1).filter((f) => f.type !== 'heartbeat' && f.type !== 'direct-sessions' && f.type !== 'capabilities');
  expect(again[0]).toMatchObject({ type: 'hello', sessions: [{ sessionId: 's1', running: true }] });
  expect(again.slice(1).map((f) => f.type)).toEqual(['started', 'resume-result']);
  await until(() => daemon!.status().queuedFrames === 0, 'the outbox to be confirmed');
});
