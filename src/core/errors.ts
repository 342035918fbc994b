// Every way an API call can be refused, each with what the user can do. Only the HTTP layer maps kinds to statuses.
import type { Availability, BlockReason } from './availability.ts';

export const ERROR_KINDS = {
  /** The body or query does not match its schema; fix the request. */
  'bad-request': 400,
  /** No token, or a token that is unknown or revoked; pair again. */
  unauthorized: 401,
  /** The token is valid but may not do this (e.g. a share link writing). */
  forbidden: 403,
  /** Nothing with that id in this account. */
  'not-found': 404,
  /** The session cannot take a message now; `reason` says why. */
  blocked: 409,
  /** The request conflicts with the current state (e.g. stopping a stopped session). */
  conflict: 409,
  /** The pairing code is wrong, used or expired. */
  'pairing-failed': 400,
  /** The body is larger than allowed. */
  'too-large': 413,
  /**
   * The request named a host this server does not answer for (its Host header is not the public URL, localhost or
   * one of this machine's addresses): a DNS-rebinding page, or a name to add with `--allow-host`.
   */
  misdirected: 421,
  /** Too many requests; wait and retry. */
  'rate-limited': 429,
  /** The owning machine is not connected. */
  unavailable: 503,
  /** A bug on our side. */
  internal: 500,
  /** The server could not write its database (disk full, read-only); the message names the file. Nothing was stored. */
  'insufficient-storage': 507,
} as const;
export type ErrorKind = keyof typeof ERROR_KINDS;

export interface ApiErrorBody {
  readonly error: {
    readonly kind: ErrorKind;
    readonly message: string;
    /** For `blocked`: the availability reason and the words shown for it. */
    readonly reason?: BlockReason;
    readonly sentence?: string;
    readonly fix?: string;
    readonly availability?: Availability;
    /** For `machine-offline`: when the machine was last seen (ms since the epoch); clients phrase it for people. */
    readonly lastSeenAt?: number | null;
  };
}

export class BatonError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: Omit<ApiErrorBody['error'], 'kind' | 'message'> = {},
  ) {
    super(message);
    this.name = 'BatonError';
  }
}
