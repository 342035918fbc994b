// How much of the server one events socket, and one token's sockets, may hold.
/** Bounds on what sockets may hold of the server (docs/security.md). */
export const SOCKET_LIMITS = {
  /**
   * Bytes a socket may have waiting to be sent. A reader that falls this far behind (a phone on a dead network, a
   * viewer that never reads) is closed: the server keeps no growing queue for it, and it catches up over HTTP when
   * it reconnects, as after any drop. A busy session's frames are a few kB; this is hundreds of them.
   */
  maxBufferedBytes: 1024 * 1024,
  /** Open sockets per device token (a phone has one or two, a terminal one per `baton attach`). */
  perDevice: 16,
  /** Open sockets per share link (everyone watching through it). */
  perShare: 64,
} as const;
export type SocketLimits = { -readonly [K in keyof typeof SOCKET_LIMITS]: number };
