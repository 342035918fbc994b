// What a step asks the world to do, in order: commands to the session's machine, transcript lines to store,
// timers, hints to phones, log lines. The server carries them out; commands and hints only after commit.
import type { ApiErrorBody, ErrorKind } from '../errors.ts';
import type { AttemptId, MessageId, SessionId } from '../ids.ts';
import type { MachineDown } from '../machine-protocol.ts';
import type { PermissionInfo } from '../records.ts';
import type { EntryEvent } from '../agent-entries.ts';

/** The commands a session's machine carries out for it. */
export type SessionCommand = Extract<MachineDown, { type: 'start' | 'resume' | 'deliver' | 'stop' | 'interrupt' | 'permission-answer' | 'set-permission-mode' | 'adopt' | 'forget' }>;

/** A line added to the transcript by the agent (text, tool use, its error, a permission request) or by Baton (a notice). */
export interface TranscriptEntry {
  readonly role: 'agent' | 'tool' | 'notice' | 'permission';
  readonly text: string;
  /** The agent event it came from (each is stored once); null for Baton's own notices. */
  readonly eventId: string | null;
  readonly tool: string | null;
  readonly permission: PermissionInfo | null;
}

/** A deadline of the session's: a resume attempt's answer, a held message's wait for its machine. */
export type SessionTimer =
  | { readonly kind: 'resume-deadline'; readonly sessionId: SessionId; readonly attemptId: AttemptId }
  | { readonly kind: 'hold-expiry'; readonly sessionId: SessionId; readonly messageId: MessageId };

export type SessionEffect =
  | { readonly type: 'command'; readonly command: SessionCommand }
  /** Stored in the step's transaction, after its changes; then hinted to phones like any changed message. */
  | { readonly type: 'append'; readonly entry: TranscriptEntry }
  /** A structured agent report (a tool call, a plan, streamed text): added, or merged into the entry an earlier report of it added. */
  | { readonly type: 'entry'; readonly eventId: string; readonly event: EntryEvent }
  /** The agent's turn ended or it went away: tools still shown running never finished, streamed text is all there is. */
  | { readonly type: 'settle-entries' }
  /** Arm the timer for `at` (replacing an armed one), or cancel it (null). */
  | { readonly type: 'timer'; readonly timer: SessionTimer; readonly at: number | null }
  /** Phones are told the message changed (its record as committed). */
  | { readonly type: 'hint'; readonly messageId: MessageId }
  | { readonly type: 'log'; readonly line: string };

/** Why a phone's action was refused; the server turns it into an HTTP error. Nothing changed. */
export interface Refusal {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly extra?: Omit<ApiErrorBody['error'], 'kind' | 'message'>;
}
