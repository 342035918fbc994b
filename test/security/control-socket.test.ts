// The daemon's local control socket is reachable only by its user: born 0600 in a 0700 home, refused to
// another user, and a second daemon on the same home refuses to start instead of taking the socket over.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Lets a test switch off the chmod after bind, to see the mode the socket is created with.
const fsSwitch = vi.hoisted(() => ({ skipSocketChmod: false }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const chmod = (path: import('node:fs').PathLike, mode: import('node:fs').Mode) => {
    if (fsSwitch.skipSocketChmod && String(path).endsWith('.sock')) return;
    real.chmodSync(path, mode);
  };
  return { ...real, default: { ...real, chmodSync: chmod }, chmodSync: chmod };
});

const { createControlSocket, queryControlSocket } = await import('../../src/machine/control-socket.ts');
const { createDaemon } = await import('../../src/machine/daemon.ts');
const { startTestServer, tempHome } = await import('../helpers/server-harness.ts');

let home: string;
beforeEach(() => {
  // A world-traversable parent, and a home that starts out too open: the socket code must close it.
  const parent = tempHome('baton-ctl-');
  chmodSync(parent, 0o755);
  home = join(parent, 'home');
  mkdirSync(home, { mode: 0o755 });
  chmodSync(home, 0o755);
  fsSwitch.skipSocketChmod = false;
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe('the control socket', () => {
  let sockets: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of sockets) await s.stop();
    sockets = [];
  });

  it('is 0600 in a 0700 home and answers its owner', async () => {
    const path = join(home, 'daemon.sock');
    const socket = createControlSocket(path, () => ({ link: 'ready' }));
    sockets.push(socket);
    await socket.start();
    expect(mode(path)).toBe(0o600);
    expect(mode(home)).toBe(0o700);
    expect(await queryControlSocket(path)).toEqual({ ok: true, status: { link: 'ready' } });
  });

  it('is created 0600, with no moment at a looser mode (not fixed up after bind)', async () => {
    fsSwitch.skipSocketChmod = true;
    const before = process.umask(0); // the loosest umask a user could have
    try {
      const path = join(home, 'daemon.sock');
      const socket = createControlSocket(path, () => ({}));
      sockets.push(socket);
      await socket.start();
      expect(mode(path)).toBe(0o600);
    } finally {
      process.umask(before);
    }
    expect(process.umask()).toBe(before); // and the process umask is restored
  });

  it.runIf(process.getuid?.() === 0)('refuses another user (run as nobody)', async () => {
    const path = join(home, 'daemon.sock');
    const socket = createControlSocket(path, () => ({ secret: 'status' }));
    sockets.push(socket);
    await socket.start();
    const probe = `require('net').createConnection(${JSON.stringify(path)}).on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(0) })`;
    const asNobody = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect(asNobody.stdout.trim()).toBe('EACCES');
    // Even with the home opened up again, the socket's own mode keeps them out.
    chmodSync(home, 0o755);
    const again = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    expect(again.stdout.trim()).toBe('EACCES');
  });
});

describe('a second daemon on the same home', () => {
  it('refuses to start while the first runs, and the first keeps answering', async () => {
    const ts = await startTestServer();
    const laptop = ts.machine('laptop');
    const daemon = (name: string) => createDaemon({ home, serverUrl: ts.url, token: laptop.token, name, drivers: new Map() });
    const first = daemon('first');
    const second = daemon('second');
    try {
      await first.start();
      await expect(second.start()).rejects.toThrow(/already running/);
      const status = (await queryControlSocket(join(home, 'daemon.sock'))) as { ok: boolean; status: { name: string } };
      expect(status).toMatchObject({ ok: true, status: { name: 'first' } });
      expect(mode(join(home, 'daemon.sock'))).toBe(0o600);
    } finally {
      await second.stop().catch(() => {});
      await first.stop();
      await ts.stop();
    }
  });
});
