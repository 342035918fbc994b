// How a socket ends and what its `error` frames say: the close codes and error codes of both sockets, named once.

/** Close codes (RFC 6455 leaves 4000–4999 to applications; ours mirror the HTTP status they mean). */
export const CloseCode = {
  /** The daemon stops on purpose (the standard normal closure). */
  normal: 1000,
  /** No good hello (missing, malformed, another protocol version): the daemon stops trying, a phone retries later. */
  badHello: 4400,
  /** The token is unknown or revoked, or the share link ended: nothing more is heard or sent; pair again. */
  unauthorized: 4401,
  /** A token of another kind (a machine's on the phone socket; a phone's, a terminal's or a share's on the machine socket). */
  forbidden: 4403,
  /** A newer socket of the same machine took over (a reconnect that beat the old socket's close). */
  replaced: 4409,
  /** This token already has as many sockets open as it may (`SOCKET_LIMITS`): close another one first. */
  tooManySockets: 4429,
  /** The server could not store a frame: it confirms nothing from there on; the daemon reconnects and sends again. */
  applyFailed: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The `code` of an `error` frame on either socket; it comes before the close, when one follows. */
export const SocketError = {
  /** The first frame was not a well-formed hello. */
  badHello: 'bad-hello',
  /** Something other than hello came first, or no hello came in time. */
  helloExpected: 'hello-expected',
  /** The hello named another protocol version (`PROTOCOL_VERSION`). */
  protocol: 'protocol',
  /** The hello's token is unknown, revoked or of the wrong kind. */
  unauthorized: 'unauthorized',
  /** The token is of a kind this socket does not speak to (closes with `forbidden`). */
  forbidden: 'forbidden',
  /** Too many sockets with one token (closes with `tooManySockets`). */
  tooManySockets: 'too-many-sockets',
  /** A frame after the hello was not JSON or not a known message; the socket stays open. */
  badFrame: 'bad-frame',
  /** The share link this viewer watches expired. */
  shareExpired: 'share-expired',
  /** The share link this viewer watches was revoked. */
  shareRevoked: 'share-revoked',
  /** The server failed to apply a daemon's frame for a reason of its own; the link stays up. */
  internal: 'internal',
  /** The server could not store the daemon's frame `frame` (closes with `applyFailed`). */
  applyFailed: 'apply-failed',
} as const;
export type SocketError = (typeof SocketError)[keyof typeof SocketError];
export const SOCKET_ERRORS = Object.values(SocketError);

/** The reason string of a close that carries no `error` frame before it. */
export const CloseReason = {
  revoked: 'revoked',
  replaced: 'replaced',
  daemonStopping: 'daemon stopping',
} as const;
