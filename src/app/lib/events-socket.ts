// The events socket (`/api/events`): hello first, then hints and live messages; reconnects on the shared capped backoff.
import type { PhoneDown, PhoneUp } from '../../core/phone-protocol.ts';
import { backoffDelay } from '../../core/backoff.ts';
import { PROTOCOL_VERSION } from '../../core/protocol-version.ts';

export interface EventsSocketOptions {
  readonly server: string;
  /** A device token, or a share token for a read-only viewer. */
  readonly auth: { readonly token: string } | { readonly shareToken: string };
  readonly onFrame: (frame: PhoneDown) => void;
  /** `open` after `welcome`; `closed` whenever the socket is down (it retries by itself). */
  readonly onState: (state: 'connecting' | 'open' | 'closed') => void;
  /** The close code of each socket that closed (4401: the token was refused or revoked). */
  readonly onClose?: (code: number) => void;
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
  return `${server.replace(/^http/, 'ws')}/api/events`;
}

export function connectEvents(opts: EventsSocketOptions): EventsSocket {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ping: ReturnType<typeof setInterval> | null = null;

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
      let frame: PhoneDown;
      try {
        frame = JSON.parse(String(ev.data)) as PhoneDown;
      } catch {
        return;
      }
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
