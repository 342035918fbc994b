// Everything that can happen to one session: its machine's frames, its phone's actions, and its timers.
import type { AttemptId, MessageId, PermissionId, VendorId } from '../ids.ts';
import type { DeliverFailureCode } from '../delivery.ts';
import type { AgentEvent, SessionReport } from '../machine-protocol.ts';
import type { AnsweredBy } from '../records.ts';
import type { ResumeFailureCode } from '../resume-attempt.ts';

/** What its machine said or did (one frame each, or the machine's socket coming and going). */
export type MachineEvent =
  /** The agent is up and the vendor gave its id. */
  | { readonly type: 'started'; readonly requestId: string; readonly vendorId: VendorId }
  /** The start failed; nothing runs. */
  | { readonly type: 'start-failed'; readonly requestId: string; readonly code: ResumeFailureCode; readonly detail: string }
  /** The vendor persisted the session: it can be reopened by this id from now on. */
  | { readonly type: 'resumable'; readonly vendorResumeId: VendorId }
  /** The answer to a `resume` (also a late one, or the attempt revealed at the first turn to be another session). */
  | { readonly type: 'resume-result'; readonly attemptId: AttemptId; readonly ok: true; readonly vendorResumeId: VendorId }
  | { readonly type: 'resume-result'; readonly attemptId: AttemptId; readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string }
  /** The message was written to the agent. */
  | { readonly type: 'ack'; readonly messageId: MessageId }
  /** The message could not be written and never will be by this agent. */
  | { readonly type: 'deliver-failed'; readonly messageId: MessageId; readonly code: DeliverFailureCode; readonly detail: string }
  /** Agent output (already deduplicated by its event id). */
  | { readonly type: 'agent-event'; readonly eventId: string; readonly event: AgentEvent }
  /** The agent is gone. */
  | { readonly type: 'stopped'; readonly reason: 'requested' | 'exited' | 'crashed'; readonly detail: string | null }
  /** Its machine (re)connected; `report` is what it says of this session, null when it names it not at all. */
  | { readonly type: 'hello'; readonly report: SessionReport | null }
  /** Its machine's socket closed. */
  | { readonly type: 'disconnect' };

/** What a person did on a phone (or the CLI). */
export type PhoneAction =
  | { readonly type: 'send'; readonly clientId: string; readonly text: string }
  | { readonly type: 'stop' }
  | { readonly type: 'archive' }
  | { readonly type: 'unarchive' }
  | { readonly type: 'interrupt' }
  /** `scope` session: allowed for the rest of the session (only where the request says its vendor can). `answeredBy`:
   * the phone or terminal whose token answered (stored with the answer, told to the daemon). */
  | { readonly type: 'answer-permission'; readonly permissionId: PermissionId; readonly decision: 'allow' | 'deny'; readonly answeredBy: AnsweredBy; readonly scope?: 'once' | 'session' }
  | { readonly type: 'take-over' }
  | { readonly type: 'cancel-held'; readonly messageId: MessageId }
  | { readonly type: 'rename'; readonly title: string }
  /** How much its agent may do without asking from now on (a running agent is told at once). */
  | { readonly type: 'set-permission-mode'; readonly mode: string };

/** A deadline came, or the account's settings changed what blocks it. */
export type TimerEvent =
  | { readonly type: 'resume-deadline'; readonly attemptId: AttemptId }
  | { readonly type: 'hold-expired'; readonly messageId: MessageId }
  /** Settings changed: a held message whose session is now blocked for good ends now. */
  | { readonly type: 'recheck' };

export type SessionEvent = MachineEvent | PhoneAction | TimerEvent;
export type SessionEventType = SessionEvent['type'];
