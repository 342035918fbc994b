// The wire protocol version, negotiated in hello (machine and phone sockets alike): bump it on any incompatible
// change to machine or phone messages, and add its line to the history below.
export const PROTOCOL_VERSION = 1;

/** One line per version and socket: what a peer speaking it can expect (compatible additions do not bump it). */
export const PROTOCOL_HISTORY = {
  1: {
    machine: 'hello with a machine token and session reports (paged in session-reports), frames confirmed by ws ping/pong; the server routes start, resume, deliver and the rest',
    phone: 'hello with a device or share token, then welcome, changed hints and live message frames; the client catches up over HTTP',
  },
} as const satisfies Record<typeof PROTOCOL_VERSION, { readonly machine: string; readonly phone: string }>;
