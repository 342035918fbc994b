// Reads OpenCode's `GET /event` stream through the SDK: one `{id, type, properties}` event per frame, no reconnects.
import type { OpencodeClient } from '@opencode-ai/sdk/v2';

export interface OpencodeEvent {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

export interface SseConnection {
  /** Resolves once the server said `server.connected`, so no later event can be missed; rejects if the stream failed first. */
  readonly connected: Promise<void>;
  close(): void;
}

/** Subscribes to the server's events; `onClosed` fires once if the stream ends while not closed by us. */
export function openSse(client: OpencodeClient, onEvent: (event: OpencodeEvent) => void, onClosed: (reason: string) => void): SseConnection {
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

  void (async () => {
    let failure: unknown = null;
    try {
      // One attempt: a server that dropped the stream has died or is dying, and the handle stops it.
      const { stream } = await client.event.subscribe(undefined, {
        signal: abort.signal, sseMaxRetryAttempts: 1, onSseError: (e: unknown) => void (failure = e),
      });
      for await (const raw of stream as AsyncIterable<unknown>) {
        const event = raw as Partial<OpencodeEvent> | null;
        if (typeof event?.type !== 'string') continue; // a frame we cannot read is not an event we can act on
        if (event.type === 'server.connected') markConnected();
        onEvent({ type: event.type, properties: (event.properties ?? {}) as Record<string, unknown> });
      }
      throw failure ?? new Error('the event stream ended');
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
