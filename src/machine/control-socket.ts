// The local control socket ($BATON_HOME/daemon.sock, mode 0600 in a 0700 directory): lets terminal
// commands on this machine ask the running daemon how it is (`baton doctor`). It carries no session
// traffic: attach, resume and send go through the server, exactly the phone's path, so the terminal can
// never take a shortcut that bypasses strict resume. One JSON request line in, one JSON line out.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';

export type ControlRequest = { readonly op: 'status' };

export interface ControlSocket {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createControlSocket(path: string, status: () => unknown): ControlSocket {
  let server: Server | null = null;
  return {
    async start() {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      chmodSync(dirname(path), 0o700);
      if (existsSync(path)) {
        if (await isListening(path)) throw new Error(`another daemon is already running on this home (${path})`);
        unlinkSync(path); // left over by a daemon that was killed
      }
      server = createServer((sock) => {
        let buf = '';
        sock.setEncoding('utf8');
        sock.on('data', (chunk: string) => {
          buf += chunk;
          if (buf.length > 64 * 1024) return sock.destroy();
          const nl = buf.indexOf('\n');
          if (nl < 0) return;
          let reply: unknown;
          try {
            const req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
            reply = req.op === 'status' ? { ok: true, status: status() } : { ok: false, error: `unknown op ${String((req as { op?: unknown }).op)}` };
          } catch {
            reply = { ok: false, error: 'the request is not JSON' };
          }
          sock.end(`${JSON.stringify(reply)}\n`);
        });
        sock.on('error', () => {});
      });
      const srv = server;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        // The socket file is created by bind(), synchronously inside listen(): under this umask it is born
        // 0600, so there is no moment in which another user could connect before the chmod below.
        const previous = process.umask(0o177);
        try {
          srv.listen(path, () => resolve());
        } finally {
          process.umask(previous);
        }
      });
      chmodSync(path, 0o600);
    },
    async stop() {
      const srv = server;
      server = null;
      if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Ask the daemon of a home for its status; null when none is running. */
export function queryControlSocket(path: string, request: ControlRequest = { op: 'status' }, timeoutMs = 2_000): Promise<unknown | null> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      c.destroy();
      resolve(null);
    }, timeoutMs);
    c.setEncoding('utf8');
    c.once('connect', () => c.write(`${JSON.stringify(request)}\n`));
    c.on('data', (d: string) => {
      buf += d;
    });
    c.once('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf));
      } catch {
        resolve(null);
      }
    });
    c.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}
