// A WebSocket client that reads every frame but never answers a close frame, as a hung daemon or a phone on a
// dead network behaves (the `ws` client always answers one, so it cannot play that part).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface DeafSocket {
  /** Text frames received, parsed as JSON. */
  readonly received: unknown[];
  /** Close codes the server sent (never answered). */
  readonly closeCodes: number[];
  /** Resolves when the server drops the TCP connection. */
  readonly dropped: Promise<void>;
  send(frame: unknown): void;
  destroy(): void;
}

export function openDeafSocket(baseUrl: string, path: string): Promise<DeafSocket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let head = '';
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const received: unknown[] = [];
    const closeCodes: number[] = [];
    const dropped = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', (e) => (upgraded ? undefined : reject(e)));
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
        upgraded = true;
        buffer = Buffer.from(head.slice(end + 4), 'latin1');
        resolve({ received, closeCodes, dropped, send, destroy: () => socket.destroy() });
      } else buffer = Buffer.concat([buffer, chunk]);
      parse();
    });

    function parse(): void {
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let len = buffer[1]! & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buffer.length < 4) return;
          len = buffer.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buffer.length < 10) return;
          len = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + len) return;
        const payload = buffer.subarray(at, at + len);
        buffer = buffer.subarray(at + len);
        if (opcode === 1) received.push(JSON.parse(payload.toString('utf8')));
        else if (opcode === 8) closeCodes.push(payload.length >= 2 ? payload.readUInt16BE(0) : 1005); // heard, never answered
      }
    }

    function send(frame: unknown): void {
      const data = Buffer.from(JSON.stringify(frame));
      const mask = randomBytes(4);
      const header = data.length < 126 ? Buffer.from([0x81, 0x80 | data.length])
        : data.length < 65_536 ? Buffer.from([0x81, 0x80 | 126, data.length >> 8, data.length & 255])
          : (() => {
            const h = Buffer.alloc(10);
            h[0] = 0x81;
            h[1] = 0x80 | 127;
            h.writeBigUInt64BE(BigInt(data.length), 2);
            return h;
          })();
      const masked = Buffer.alloc(data.length);
      for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ mask[i & 3]!;
      socket.write(Buffer.concat([header, mask, masked]));
    }
  });
}
