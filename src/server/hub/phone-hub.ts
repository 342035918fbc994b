// The events socket (/api/events) for phones, CLIs and share viewers: "something changed" hints and live messages.
import type { WebSocket } from 'ws';
import { PROTOCOL_VERSION, PhoneUpSchema, parseInput, type MessageRecord, type PhoneDown } from '../../core/index.ts';
import { lookupToken } from '../auth.ts';
import type { PhoneLink, ServerContext } from '../context.ts';

const HELLO_TIMEOUT_MS = 5_000;

interface Conn {
  readonly ws: WebSocket;
  /** Set for device sockets. */
  accountId: string | null;
  deviceId: string | null;
  /** Set for share viewers: they only ever see this session's messages, until the share ends. */
  sharedSessionId: string | null;
  shareId: string | null;
  shareExpiresAt: number;
  timer: NodeJS.Timeout | null;
  /** The session this socket's app shows in the foreground (its `foreground` frame), or null. */
  foreground: string | null;
}

/** setTimeout's longest delay; a 30-day share re-arms instead of firing at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PhoneHub extends PhoneLink {
  accept(ws: WebSocket): void;
  /** Whether an open socket of this device says its app shows this session in the foreground now. */
  showing(deviceId: string, sessionId: string): boolean;
  close(): void;
}

export function createPhoneHub(ctx: ServerContext): PhoneHub {
  const all = new Set<Conn>();

  function send(conn: Conn, msg: PhoneDown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  function refuse(conn: Conn, closeCode: number, code: string, message: string): void {
    send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, code);
  }

  function onFrame(conn: Conn, data: string): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return send(conn, { type: 'error', code: 'bad-frame', message: 'frames must be JSON' });
    }
    const parsed = parseInput(PhoneUpSchema, json);
    if (!parsed.ok) {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, 4400, 'bad-hello', parsed.message);
      return send(conn, { type: 'error', code: 'bad-frame', message: parsed.message });
    }
    const msg = parsed.value;
    if (msg.type === 'ping') return send(conn, { type: 'pong' });
    if (msg.type === 'foreground') {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, 4400, 'hello-expected', 'send hello first');
      // A share viewer's screen suppresses nothing: share links never get notifications.
      if (conn.deviceId !== null) conn.foreground = msg.sessionId;
      return;
    }
    if (conn.accountId !== null || conn.sharedSessionId !== null) return send(conn, { type: 'error', code: 'bad-frame', message: 'hello was already received' });
    if (msg.protocol !== PROTOCOL_VERSION) return refuse(conn, 4400, 'protocol', `this server speaks protocol ${PROTOCOL_VERSION}, the client sent ${msg.protocol}`);
    const token = msg.token ?? msg.shareToken;
    const found = token ? lookupToken(ctx, token) : { type: 'unknown' as const };
    if (msg.token && found.type === 'device') {
      conn.accountId = found.device.account_id;
      conn.deviceId = found.device.id;
    } else if (msg.shareToken && found.type === 'share') {
      conn.sharedSessionId = found.share.session_id;
      conn.shareId = found.share.id;
      conn.shareExpiresAt = found.share.expires_at;
    } else {
      return refuse(conn, 4401, 'unauthorized', found.type === 'revoked' ? 'this device’s token was revoked; pair it again' : 'unknown or expired token');
    }
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    const cursor = conn.accountId ? ctx.stores.cursor.current(conn.accountId) : 0;
    send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, cursor });
    if (conn.shareId) armShareExpiry(conn);
  }

  /** A share viewer's socket ends with its share: a link that no longer opens the transcript must not keep streaming it. */
  function armShareExpiry(conn: Conn): void {
    const left = conn.shareExpiresAt - ctx.now();
    if (left <= 0) return endShare(conn, 'share-expired', 'this share link has expired');
    conn.timer = setTimeout(() => armShareExpiry(conn), Math.min(left, MAX_TIMER_MS));
    conn.timer.unref();
  }

  function endShare(conn: Conn, code: string, message: string): void {
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    conn.sharedSessionId = null;
    refuse(conn, 4401, code, message);
  }

  return {
    accept(ws) {
      const conn: Conn = { ws, accountId: null, deviceId: null, sharedSessionId: null, shareId: null, shareExpiresAt: 0, timer: null, foreground: null };
      all.add(conn);
      conn.timer = setTimeout(() => refuse(conn, 4400, 'hello-expected', 'send hello first'), HELLO_TIMEOUT_MS);
      conn.timer.unref();
      ws.on('message', (data) => onFrame(conn, data.toString()));
      ws.on('close', () => {
        if (conn.timer) clearTimeout(conn.timer);
        all.delete(conn);
      });
      ws.on('error', (err) => ctx.log(`events socket error: ${err.message}`));
    },
    showing(deviceId, sessionId) {
      for (const conn of all) if (conn.deviceId === deviceId && conn.foreground === sessionId && conn.ws.readyState === conn.ws.OPEN) return true;
      return false;
    },
    changed(accountId, cursor) {
      for (const conn of all) if (conn.accountId === accountId) send(conn, { type: 'changed', cursor });
    },
    message(accountId: string, message: MessageRecord) {
      for (const conn of all) {
        if (conn.accountId === accountId) send(conn, { type: 'message', message });
        else if (conn.sharedSessionId === message.sessionId) {
          // Checked again here too: the expiry timer runs on wall time, the share's deadline on the server's clock.
          if (ctx.now() >= conn.shareExpiresAt) endShare(conn, 'share-expired', 'this share link has expired');
          else send(conn, { type: 'message', message });
        }
      }
    },
    disconnectDevice(deviceId) {
      for (const conn of all) if (conn.deviceId === deviceId) conn.ws.close(4401, 'revoked');
    },
    disconnectShare(shareId) {
      for (const conn of all) if (conn.shareId === shareId && conn.sharedSessionId !== null) endShare(conn, 'share-revoked', 'this share link was revoked');
    },
    close() {
      for (const conn of all) {
        if (conn.timer) clearTimeout(conn.timer);
        conn.ws.terminate();
      }
    },
  };
}
