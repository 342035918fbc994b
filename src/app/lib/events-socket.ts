// The events socket (`/api/events`): hello first, then hints and live messages; reconnects on the shared capped backoff.
import type { PhoneDown, PhoneUp } from '../../core/phone-protocol.ts';
import { backoffDelay } from '../../core/backoff.ts';
import { PROTOCOL_VERSION } from '../../core/protocol-version.ts';
import { SOCKET_PATHS } from '../../core/route-paths.ts';

export interface EventsSocketOptions {
  readonly server: string;
  /** A device token, or a share token for a read-only viewer. */
  readonly auth: { readonly token: string } | { readonly shareToken: string };
  readonly onFrame: (frame: PhoneDown) => void;
  /** `open` after `welcome`; `closed` whenever the socket is down (it retries by itself). */
  readonly onState: (state: 'connecting' | 'open' | 'closed') => void;
  /** The close code of each socket that closed (`CloseCode.unauthorized`: the token was refused or revoked). */
  readonly onClose?: (code: number) => void;
  /** Where the first frame dropped for not matching the protocol is reported (default: console.warn). */
  readonly warn?: (line: string) => void;
}

export interface EventsSocket {
  /** Reconnect now (the network came back or the app came to the foreground). */
  readonly kick: () => void;
  /**
   * Let go of the current socket at once (the device went offline). A socket can outlive the network
   * without noticing; treating it as up would keep the screen saying "live". Reconnects with backoff.
   */
  readonly drop: () => void;
  /** A frame on the open socket (after welcome); false when there is none right now. */
  readonly send: (frame: PhoneUp) => boolean;
  readonly stop: () => void;
}

export function eventsUrl(server: string): string {
  return `${server.replace(/^http/, 'ws')}${SOCKET_PATHS.events}`;
}

type ParseFrame = typeof import('../../core/phone-protocol.ts').parsePhoneDown;
let parser: Promise<ParseFrame> | null = null;
/**
 * The frame schemas load with the first socket, not with the page: they are kB of the initial route's budget that
 * the first paint does not need (the socket opens after it). Precached like every chunk, so they load offline too.
 */
function loadParser(): Promise<ParseFrame> {
  parser ??= import('../../core/phone-protocol.ts').then(
    (m) => m.parsePhoneDown,
    (e: unknown) => {
      parser = null;
      throw e;
    },
  );
  return parser;
}

export function connectEvents(opts: EventsSocketOptions): EventsSocket {
  let parse: ParseFrame | null = null;
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ping: ReturnType<typeof setInterval> | null = null;
  // A frame that does not match the protocol is dropped; the first is reported, not each one (a server bug repeats).
  let dropped = 0;
  const drop = (why: string) => {
    if (dropped++ === 0) (opts.warn ?? console.warn)(`events socket: dropped ${why} (further ones are dropped silently)`);
  };

  const schedule = () => {
    if (stopped || timer) return;
    // The shared schedule (1 s, 2 s, 4 s … 30 s, jittered); `online`, foreground and a send that got through kick it at once.
    const delay = backoffDelay(retry++);
    timer = setTimeout(() => {
      timer = null;
      open();
    }, delay);
  };

  const open = () => {
    if (stopped || (ws && ws.readyState <= WebSocket.OPEN)) return;
    if (!parse) {
      loadParser().then(
        (p) => {
          parse = p;
          open();
        },
        () => schedule(),
      );
      return;
    }
    opts.onState('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(eventsUrl(opts.server));
    } catch {
      opts.onState('closed');
      schedule();
      return;
    }
    ws = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, ...opts.auth }));
    socket.onmessage = (ev) => {
      const parsed = parse!(String(ev.data));
      if (!parsed.ok) return drop(parsed.why);
      const frame = parsed.frame;
      if (frame.type === 'welcome') {
        retry = 0;
        opts.onState('open');
        if (ping) clearInterval(ping);
        // Keeps idle proxies from closing the socket and notices a dead link sooner.
        ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), 25_000);
      }
      opts.onFrame(frame);
    };
    socket.onclose = (ev) => {
      opts.onClose?.(ev.code);
      if (ws === socket) ws = null;
      if (ping) clearInterval(ping);
      ping = null;
      opts.onState('closed');
      schedule();
    };
    socket.onerror = () => socket.close();
  };

  open();
  return {
    kick: () => {
      if (timer) clearTimeout(timer);
      timer = null;
      retry = 0;
      open();
    },
    drop: () => {
      const socket = ws;
      if (!socket || stopped) return;
      ws = null;
      socket.onclose = socket.onmessage = socket.onerror = null;
      socket.close();
      if (ping) clearInterval(ping);
      ping = null;
      opts.onState('closed');
      schedule();
    },
    send: (frame) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ping) clearInterval(ping);
      ws?.close();
      ws = null;
    },
  };
}
