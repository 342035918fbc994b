// Reads OpenCode's `GET /event` server-sent events: one JSON `{type, properties}` per `data:` frame.

export interface OpencodeEvent {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

export interface SseConnection {
  /** Resolves once the server said `server.connected`, so no later event can be missed; rejects if the stream failed first. */
  readonly connected: Promise<void>;
  close(): void;
}

/** Subscribes to `${url}/event`; `onClosed` fires once if the stream ends while not closed by us. */
export function openSse(url: string, onEvent: (event: OpencodeEvent) => void, onClosed: (reason: string) => void): SseConnection {
  const abort = new AbortController();
  let closedByUs = false;
  let markConnected: () => void = () => {};
  let failConnect: (err: Error) => void = () => {};
  const connected = new Promise<void>((resolve, reject) => {
    markConnected = resolve;
    failConnect = reject;
  });
  // Callers that never await `connected` must not see an unhandled rejection.
  connected.catch(() => {});

  const dispatch = (frame: string) => {
    const data = frame
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data === '') return;
    let event: OpencodeEvent;
    try {
      event = JSON.parse(data) as OpencodeEvent;
    } catch {
      return; // a frame we cannot read is not an event we can act on
    }
    if (typeof event?.type !== 'string') return;
    if (event.type === 'server.connected') markConnected();
    onEvent({ type: event.type, properties: (event.properties ?? {}) as Record<string, unknown> });
  };

  void (async () => {
    try {
      const res = await fetch(`${url}/event`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
      if (!res.ok || !res.body) throw new Error(`GET /event answered ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      throw new Error('the event stream ended');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failConnect(new Error(reason));
      if (!closedByUs) onClosed(reason);
    }
  })();

  return {
    connected,
    close() {
      closedByUs = true;
      abort.abort();
    },
  };
}
