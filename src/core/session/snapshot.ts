// One session as its state machine sees it: its own facts, its open messages, its resume attempts, and the
// facts of the world it reads but never changes (its machine, the account's settings, the clock, fresh ids).
import type { AccountId, AttemptId, MachineId, MessageId, PermissionId, SessionId, VendorId } from '../ids.ts';
import type { Backend, MachineCapabilities, Provider } from '../providers.ts';
import type { DeliveryState, MessageFailureCode } from '../delivery.ts';
import type { MessageRole, PermissionInfo } from '../records.ts';
import type { ResumeFailureCode, ResumeState } from '../resume-attempt.ts';
import type { RetryNotice } from '../turn.ts';

export interface SessionFacts {
  readonly id: SessionId;
  readonly accountId: AccountId;
  readonly machineId: MachineId;
  readonly provider: Provider;
  readonly backend: Backend;
  readonly cwd: string;
  readonly title: string;
  /** false: a direct (provider-native) session Baton found but does not manage. */
  readonly managed: boolean;
  readonly archived: boolean;
  /** Whether an agent process runs for it, as its machine last said. */
  readonly status: 'active' | 'inactive';
  /** The vendor's id as captured at start. */
  readonly vendorId: VendorId | null;
  /** The id a resume reopens: set once the vendor persisted the session, never changed after (invariant 2). */
  readonly vendorResumeId: VendorId | null;
  readonly awaitingPermission: boolean;
  readonly agentRetry: RetryNotice | null;
  /** How much its agent may do without asking (src/core/permission-modes.ts); null: the vendor's default. */
  readonly permissionMode: string | null;
  /** The `start` its machine has not answered yet (the start in flight). */
  readonly startRequestId: string | null;
  readonly lastActivityAt: number;
}

export interface MessageSnap {
  readonly id: MessageId;
  /** Per-session order; 0 for a message this step adds (the store numbers it). */
  readonly seq: number;
  readonly role: MessageRole;
  readonly text: string;
  /** The sender's idempotency key (user messages) or the agent event id. */
  readonly clientId: string | null;
  /** Delivery state of a user message; null for the agent's. */
  readonly state: DeliveryState | null;
  readonly failure: { readonly code: MessageFailureCode; readonly detail: string } | null;
  /** Delivered to an agent that went away before its turn ended: no later turn end answers it (see `awaitsTurnEnd`). */
  readonly turnLost: boolean;
  /** The resume attempt it waits for (set when it went awaiting-resume). */
  readonly attemptId: AttemptId | null;
  /** While held: when the server stops waiting for its machine. */
  readonly heldUntil: number | null;
  /** A permission request and its answer (role `permission`). */
  readonly permission: PermissionInfo | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AttemptSnap {
  readonly id: AttemptId;
  readonly machineId: MachineId;
  readonly state: ResumeState;
  readonly code: ResumeFailureCode | null;
  readonly detail: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

export interface MachineFacts {
  readonly name: string;
  /** Online as the server's records say (drives availability). */
  readonly online: boolean;
  /** Its socket is connected right now (what a command sent now needs). */
  readonly connected: boolean;
  readonly lastSeenAt: number | null;
  readonly capabilities: MachineCapabilities | null;
}

export interface WorldFacts {
  readonly now: number;
  readonly machine: MachineFacts | null;
  readonly disabledBackends: readonly Backend[];
  /** How long a message for an offline machine is held; 0: such a send is refused. */
  readonly holdMs: number;
  readonly resumeTimeoutMs: number;
  /** Ids for what this step may create (at most one message and one attempt). */
  readonly ids: { readonly message: MessageId; readonly attempt: AttemptId };
}

export interface SessionSnapshot {
  readonly session: SessionFacts;
  /**
   * In seq order: its user messages still on their way (held, accepted, awaiting-resume, delivered awaiting a
   * turn end), plus what the event names (a message, a permission request and the open ones beside it).
   */
  readonly messages: readonly MessageSnap[];
  /** Its pending attempt (at most one), plus the attempt the event names. */
  readonly attempts: readonly AttemptSnap[];
  readonly world: WorldFacts;
}

/** What a load must include besides the open messages and the pending attempt, for one event. */
export interface SnapshotWants {
  readonly messageId?: MessageId;
  readonly attemptId?: AttemptId;
  /** The permission request, and every open one of the session (to know whether the agent still waits). */
  readonly permissionId?: PermissionId;
  /** Every open permission request of the session (its agent may be gone: they expire). */
  readonly openPermissions?: true;
}
