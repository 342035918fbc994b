// A WebSocket client for hostile frames: text, binary, bytes that are not UTF-8, frames past the size limit;
// it records every frame the server sends and how the socket closed.
import { SOCKET_PATHS as CORE_SOCKETS } from '../../src/core/index.ts';
import { WebSocket } from 'ws';

/** The sockets the fuzz tests cover (machine-socket.test.ts, phone-socket.test.ts). */
export const SOCKET_PATHS = [CORE_SOCKETS.machine, CORE_SOCKETS.events] as const;

export type Frame = { readonly type?: unknown; readonly code?: unknown; readonly message?: unknown; readonly [k: string]: unknown };

/** One thing a fuzz case sends. */
export type Outgoing =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: readonly number[] }
  /** A text frame whose bytes are not valid UTF-8. */
  | { readonly kind: 'bad-utf8' }
  /** A text frame larger than the server's frame limit. */
  | { readonly kind: 'oversized' };

export class FuzzSocket {
  readonly received: Frame[] = [];
  /** Frames that were not JSON objects (never expected from the server). */
  readonly strange: string[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        const frame = JSON.parse(data.toString()) as Frame;
        if (frame === null || typeof frame !== 'object') this.strange.push(data.toString());
        else this.received.push(frame);
      } catch {
        this.strange.push(data.toString().slice(0, 200));
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve((this.closeCode = code))));
    ws.on('error', () => {}); // a refused or reset socket shows up as its close code
  }

  static open(baseUrl: string, path: (typeof SOCKET_PATHS)[number]): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`);
      ws.once('open', () => resolve(new FuzzSocket(ws)));
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(out: Outgoing, frameLimit: number): void {
    if (!this.open) return;
    switch (out.kind) {
      case 'json':
        return this.ws.send(JSON.stringify(out.value));
      case 'text':
        return this.ws.send(out.text);
      case 'binary':
        return this.ws.send(Buffer.from(out.bytes), { binary: true });
      case 'bad-utf8':
        return this.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
      case 'oversized':
        return this.ws.send(JSON.stringify({ type: 'heartbeat', pad: 'x'.repeat(frameLimit + 1) }));
    }
  }

  /** Resolves true once `done()` holds, false if the socket closed first or `ms` passed. */
  async until(done: () => boolean, ms = 3_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (this.closeCode !== null || Date.now() > deadline) return done();
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  close(): Promise<number> {
    if (this.closeCode === null) this.ws.close();
    return this.closed;
  }

  terminate(): Promise<number> {
    if (this.closeCode === null) this.ws.terminate();
    return this.closed;
  }
}
