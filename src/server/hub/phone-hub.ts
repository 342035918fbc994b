// The events socket (/api/events) for phones, CLIs and share viewers: "something changed" hints and live messages.
import type { WebSocket } from 'ws';
import { CloseCode, CloseReason, PROTOCOL_VERSION, PhoneUpSchema, SocketError, parseInput, type MessageRecord, type PhoneDown } from '../../core/index.ts';
import { lookupToken } from '../auth.ts';
import type { PhoneLink, ServerContext } from '../context.ts';
import { sharedMessage } from '../shared-view.ts';
import { SOCKET_LIMITS, type SocketLimits } from './socket-limits.ts';

export { SOCKET_LIMITS, type SocketLimits } from './socket-limits.ts';

const HELLO_TIMEOUT_MS = 5_000;

/** After a revocation's close frame, how long the peer gets to answer it before the socket is cut. */
const REVOKED_GRACE_MS = 1_000;
/**
 * At most one `changed` per account in this window (the first at once, the latest cursor at its end): a busy agent
 * makes a change per event, and every `changed` sends every phone of the account to GET /api/sync.
 */
export const CHANGED_WINDOW_MS = 100;

interface Conn {
  readonly ws: WebSocket;
  /** Set for device sockets. */
  accountId: string | null;
  deviceId: string | null;
  /** The device or share this socket counts against (per-token cap), once its hello was accepted. */
  tokenKey: string | null;
  /** Set for share viewers: they only ever see this session's messages, until the share ends. */
  sharedSessionId: string | null;
  shareId: string | null;
  shareExpiresAt: number;
  timer: NodeJS.Timeout | null;
  /** The session this socket's app shows in the foreground (its `foreground` frame), or null. */
  foreground: string | null;
  /** Its token was revoked (or its share ended): nothing it sends is heard any more, nothing more is sent to it. */
  ended: boolean;
  /** The newest cursor it was told (welcome or `changed`): no older hint is sent (one can arrive late, via NOTIFY). */
  told: number;
}

/** setTimeout's longest delay; a 30-day share re-arms instead of firing at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PhoneHub extends PhoneLink {
  accept(ws: WebSocket): void;
  /** Whether an open socket of this device says its app shows this session in the foreground now. */
  showing(deviceId: string, sessionId: string): boolean;
  close(): void;
}

/** The underlying socket, to cork it while a batch of frames is written (ws keeps it in `_socket`). */
type Corkable = { _socket?: { cork(): void; uncork(): void } | null };

export function createPhoneHub(ctx: ServerContext, limits: Partial<SocketLimits> = {}): PhoneHub {
  const L: SocketLimits = { ...SOCKET_LIMITS, ...limits };
  const all = new Set<Conn>();
  /** Open sockets per device or share, for the per-token cap. */
  const perToken = new Map<string, number>();
  /** Device sockets by account: a fan-out visits only the account's sockets, not every one. */
  const byAccount = new Map<string, Set<Conn>>();
  /** Share viewers by session. */
  const bySession = new Map<string, Set<Conn>>();
  const changedWindows = new Map<string, { timer: NodeJS.Timeout; cursor: number | null }>();
  /**
   * Frames broadcast in this turn of the event loop, per socket, written once its I/O is handled (setImmediate):
   * everything a busy server read in one turn leaves in one write per socket, not one write per frame.
   */
  let pending = new Map<Conn, Buffer[]>();

  function send(conn: Conn, msg: PhoneDown): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(JSON.stringify(msg));
    checkBacklog(conn);
  }

  /**
   * A socket whose unsent bytes pass the cap is cut (a close frame would only queue behind them). Its client
   * reconnects and catches up over HTTP, which is how every reconnect works; nothing is lost that sync has.
   */
  function checkBacklog(conn: Conn): boolean {
    const backlog = conn.ws.bufferedAmount;
    if (backlog <= L.maxBufferedBytes) return true;
    ctx.log(`events socket of ${conn.deviceId ?? `share ${conn.shareId}`} closed: ${backlog} bytes unsent (a reader that does not keep up; it re-syncs when it reconnects)`);
    conn.ended = true;
    detach(conn);
    conn.ws.terminate();
    return false;
  }

  /** Out of every index: no more frames go to it. */
  function detach(conn: Conn): void {
    unindex(byAccount, conn.accountId, conn);
    unindex(bySession, conn.sharedSessionId, conn);
  }

  function enqueue(conn: Conn, frame: Buffer): void {
    if (conn.ended) return;
    if (pending.size === 0) setImmediate(flush);
    const list = pending.get(conn);
    if (list) list.push(frame);
    else pending.set(conn, [frame]);
  }

  function flush(): void {
    const batch = pending;
    pending = new Map();
    for (const [conn, frames] of batch) {
      if (conn.ended || conn.ws.readyState !== conn.ws.OPEN) continue;
      const socket = (conn.ws as unknown as Corkable)._socket;
      socket?.cork();
      // Serialized once for every recipient; sent as text frames. The backlog is checked before each one, so a
      // socket is cut at most one frame past the cap however much one turn of the loop had for it.
      for (const frame of frames) {
        if (!checkBacklog(conn)) break;
        conn.ws.send(frame, { binary: false });
      }
      socket?.uncork();
      if (!conn.ended) checkBacklog(conn);
    }
  }

  const frameOf = (msg: PhoneDown): Buffer => Buffer.from(JSON.stringify(msg));

  function index<K>(map: Map<K, Set<Conn>>, key: K, conn: Conn): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(conn);
  }

  function unindex<K>(map: Map<K, Set<Conn>>, key: K | null, conn: Conn): void {
    if (key === null) return;
    const set = map.get(key);
    set?.delete(conn);
    if (set?.size === 0) map.delete(key);
  }

  function broadcastChanged(accountId: string, cursor: number): void {
    const conns = byAccount.get(accountId);
    if (!conns) return;
    const frame = frameOf({ type: 'changed', cursor });
    for (const conn of conns) {
      if (cursor <= conn.told) continue;
      conn.told = cursor;
      enqueue(conn, frame);
    }
  }

  function refuse(conn: Conn, closeCode: CloseCode, code: SocketError, message: string): void {
    send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, code);
  }

  function onFrame(conn: Conn, data: string): void {
    if (conn.ended) return; // a revoked token is not heard, not even while its close handshake runs
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return send(conn, { type: 'error', code: SocketError.badFrame, message: 'frames must be JSON' });
    }
    const parsed = parseInput(PhoneUpSchema, json);
    if (!parsed.ok) {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, CloseCode.badHello, SocketError.badHello, parsed.message);
      return send(conn, { type: 'error', code: SocketError.badFrame, message: parsed.message });
    }
    const msg = parsed.value;
    if (msg.type === 'ping') return send(conn, { type: 'pong' });
    if (msg.type === 'foreground') {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, CloseCode.badHello, SocketError.helloExpected, 'send hello first');
      // A share viewer's screen suppresses nothing: share links never get notifications.
      if (conn.deviceId !== null) conn.foreground = msg.sessionId;
      return;
    }
    if (conn.accountId !== null || conn.sharedSessionId !== null) return send(conn, { type: 'error', code: SocketError.badFrame, message: 'hello was already received' });
    if (msg.protocol !== PROTOCOL_VERSION) return refuse(conn, CloseCode.badHello, SocketError.protocol, `this server speaks protocol ${PROTOCOL_VERSION}, the client sent ${msg.protocol}`);
    const token = msg.token ?? msg.shareToken;
    const found = token ? lookupToken(ctx, token) : { type: 'unknown' as const };
    const key = msg.token && found.type === 'device' ? found.device.id : msg.shareToken && found.type === 'share' ? found.share.id : null;
    if (key === null) return refuse(conn, CloseCode.unauthorized, SocketError.unauthorized, found.type === 'revoked' ? 'this device’s token was revoked; pair it again' : 'unknown or expired token');
    // A machine token speaks only the machine protocol (docs/security.md, "Roles"): it reads no account's events.
    if (found.type === 'device' && found.device.kind === 'machine') return refuse(conn, CloseCode.forbidden, SocketError.forbidden, 'a machine token speaks only the machine protocol (/api/machine)');
    const cap = found.type === 'device' ? L.perDevice : L.perShare;
    if ((perToken.get(key) ?? 0) >= cap) {
      return refuse(conn, CloseCode.tooManySockets, SocketError.tooManySockets, `at most ${cap} sockets may be open with one ${found.type === 'device' ? 'device token' : 'share link'}; close another one first`);
    }
    perToken.set(key, (perToken.get(key) ?? 0) + 1);
    conn.tokenKey = key;
    if (found.type === 'device') {
      conn.accountId = found.device.account_id;
      conn.deviceId = found.device.id;
      index(byAccount, conn.accountId, conn);
    } else if (found.type === 'share') {
      conn.sharedSessionId = found.share.session_id;
      index(bySession, conn.sharedSessionId, conn);
      conn.shareId = found.share.id;
      conn.shareExpiresAt = found.share.expires_at;
    }
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    const cursor = conn.accountId ? ctx.stores.cursor.current(conn.accountId) : 0;
    conn.told = cursor;
    send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, cursor });
    if (conn.shareId) armShareExpiry(conn);
  }

  /** A share viewer's socket ends with its share: a link that no longer opens the transcript must not keep streaming it. */
  function armShareExpiry(conn: Conn): void {
    const left = conn.shareExpiresAt - ctx.now();
    if (left <= 0) return endShare(conn, SocketError.shareExpired, 'this share link has expired');
    conn.timer = setTimeout(() => armShareExpiry(conn), Math.min(left, MAX_TIMER_MS));
    conn.timer.unref();
  }

  function endShare(conn: Conn, code: SocketError, message: string): void {
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    unindex(bySession, conn.sharedSessionId, conn);
    conn.sharedSessionId = null;
    refuse(conn, CloseCode.unauthorized, code, message);
    cutAfterGrace(conn);
  }

  /**
   * The token is dead: from now on the socket is deaf and mute (its frames are dropped, nothing more is sent),
   * and if its peer does not answer the close frame it is cut after a second, not after ws's 30-s close timeout.
   */
  function cutAfterGrace(conn: Conn): void {
    conn.ended = true;
    detach(conn);
    const t = setTimeout(() => conn.ws.terminate(), REVOKED_GRACE_MS);
    t.unref();
    conn.ws.once('close', () => clearTimeout(t));
  }

  return {
    accept(ws) {
      const conn: Conn = { ws, accountId: null, deviceId: null, sharedSessionId: null, shareId: null, shareExpiresAt: 0, timer: null, foreground: null, ended: false, tokenKey: null, told: 0 };
      all.add(conn);
      conn.timer = setTimeout(() => refuse(conn, CloseCode.badHello, SocketError.helloExpected, 'send hello first'), HELLO_TIMEOUT_MS);
      conn.timer.unref();
      ws.on('message', (data) => onFrame(conn, data.toString()));
      ws.on('close', () => {
        if (conn.timer) clearTimeout(conn.timer);
        all.delete(conn);
        detach(conn);
        if (conn.tokenKey !== null) {
          const n = (perToken.get(conn.tokenKey) ?? 1) - 1;
          if (n > 0) perToken.set(conn.tokenKey, n);
          else perToken.delete(conn.tokenKey);
          conn.tokenKey = null;
        }
      });
      ws.on('error', (err) => ctx.log(`events socket error: ${err.message}`));
    },
    showing(deviceId, sessionId) {
      for (const conn of all) if (!conn.ended && conn.deviceId === deviceId && conn.foreground === sessionId && conn.ws.readyState === conn.ws.OPEN) return true;
      return false;
    },
    changed(accountId, cursor) {
      const window = changedWindows.get(accountId);
      if (window) {
        // Inside the window: the latest cursor goes out when it ends.
        window.cursor = Math.max(window.cursor ?? 0, cursor);
        return;
      }
      broadcastChanged(accountId, cursor);
      const w = { cursor: null as number | null, timer: setTimeout(() => {
        changedWindows.delete(accountId);
        if (w.cursor !== null) broadcastChanged(accountId, w.cursor);
      }, CHANGED_WINDOW_MS) };
      w.timer.unref();
      changedWindows.set(accountId, w);
    },
    message(accountId: string, message: MessageRecord) {
      const frame = frameOf({ type: 'message', message });
      for (const conn of byAccount.get(accountId) ?? []) enqueue(conn, frame);
      const viewers = bySession.get(message.sessionId);
      if (!viewers) return;
      // Share viewers get the reader's view of it (no client id, no failure detail), serialized once for all of them.
      const shared = frameOf({ type: 'message', message: sharedMessage(message) });
      for (const conn of [...viewers]) {
        // Checked again here too: the expiry timer runs on wall time, the share's deadline on the server's clock.
        if (ctx.now() >= conn.shareExpiresAt) endShare(conn, SocketError.shareExpired, 'this share link has expired');
        else enqueue(conn, shared);
      }
    },
    disconnectDevice(deviceId) {
      for (const conn of all) {
        if (conn.deviceId !== deviceId || conn.ended) continue;
        conn.ws.close(CloseCode.unauthorized, CloseReason.revoked);
        cutAfterGrace(conn);
      }
    },
    disconnectShare(shareId) {
      for (const conn of all) if (conn.shareId === shareId && conn.sharedSessionId !== null) endShare(conn, SocketError.shareRevoked, 'this share link was revoked');
    },
    close() {
      for (const w of changedWindows.values()) clearTimeout(w.timer);
      changedWindows.clear();
      for (const conn of all) {
        if (conn.timer) clearTimeout(conn.timer);
        conn.ws.terminate();
      }
    },
  };
}
