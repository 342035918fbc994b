// The shapes of sessions, machines and messages as the server sends them to phones, CLIs and daemons.
import type { Availability } from './availability.ts';
import type { DeliveryState, MessageFailureCode } from './delivery.ts';
import type { Backend, MachineCapabilities, Provider } from './providers.ts';
import type { ResumeFailureCode, ResumeState } from './resume-attempt.ts';
import type { RetryNotice } from './turn.ts';
import type { AgentEntry } from './agent-entries.ts';

export interface SessionRecord {
  readonly id: string;
  readonly machineId: string;
  readonly provider: Provider;
  readonly backend: Backend;
  readonly cwd: string;
  readonly title: string;
  /** false for a direct (provider-native) session Baton found but does not manage. */
  readonly managed: boolean;
  readonly status: 'active' | 'inactive';
  readonly archived: boolean;
  /** The vendor's id as captured at start (not yet resumable until the vendor has persisted it). */
  readonly vendorId: string | null;
  /** The vendor id a resume reopens; set once the vendor persisted the session, never changed after. */
  readonly vendorResumeId: string | null;
  /** Set while the agent waits for the user to allow or deny a tool. */
  readonly awaitingPermission: boolean;
  /** Set while the vendor is retrying a failed model call; cleared when the agent moves on or stops. */
  readonly agentRetry: RetryNotice | null;
  /** The permission mode chosen for this session (`src/core/permission-modes.ts`); null: the vendor's default. */
  readonly permissionMode: string | null;
  readonly createdAt: number;
  readonly lastActivityAt: number;
  /** Evaluated by the server on fresh facts when this record was sent. */
  readonly availability: Availability;
  readonly lastResume: ResumeAttemptRecord | null;
  /** The change cursor at which this record last changed. */
  readonly cursor: number;
}

/**
 * A session as a share link's reader sees it: what the transcript needs and nothing that names the machine, its
 * folders or the vendor's ids (no cwd, machine id, vendor ids, availability or resume details).
 */
export interface SharedSessionRecord {
  readonly id: string;
  readonly provider: Provider;
  readonly backend: Backend;
  readonly title: string;
  readonly status: 'active' | 'inactive';
  readonly archived: boolean;
  readonly awaitingPermission: boolean;
  readonly createdAt: number;
  readonly lastActivityAt: number;
}

export interface MachineRecord {
  readonly id: string;
  readonly name: string;
  readonly online: boolean;
  readonly lastSeenAt: number | null;
  readonly capabilities: MachineCapabilities | null;
  readonly cursor: number;
}

export type MessageRole = 'user' | 'agent' | 'tool' | 'permission' | 'notice';

/** The device that gave a permission answer, as it was named then (it may be renamed or revoked since). */
export interface AnsweredBy {
  readonly deviceId: string;
  readonly name: string;
}

export interface PermissionInfo {
  readonly permissionId: string;
  readonly tool: string;
  /** Exactly what Allow approves (JSON text for structured input); its SHA-256 binds an answer (`permissionInputHash`). */
  readonly input: string;
  /** `expired`: the agent that asked went away (stopped, crashed, its machine restarted) before it was answered. */
  readonly decision: 'allow' | 'deny' | 'expired' | null;
  /** `session` when it was allowed for the rest of the session. */
  readonly scope?: 'once' | 'session';
  /** The input did not fit: it can only be denied from here. */
  readonly inputTruncated?: boolean;
  /** The vendor's own title and description of the request. */
  readonly title?: string;
  readonly description?: string;
  /** The vendor can allow it for the rest of the session. */
  readonly sessionScope?: boolean;
  /** What that would cover, in the vendor's terms ("Bash(npm test:*)", "acceptEdits mode", patterns). */
  readonly sessionScopeDetail?: string;
  readonly callId?: string;
  /** Who answered, once answered (absent on answers stored before the server recorded it). */
  readonly answeredBy?: AnsweredBy;
}

export interface MessageRecord {
  readonly id: string;
  readonly sessionId: string;
  /** Per-session order, gap-free from 1. */
  readonly seq: number;
  readonly role: MessageRole;
  readonly text: string;
  /** The sender's idempotency key (user messages) or the agent event id (agent messages). */
  readonly clientId: string | null;
  /** Delivery state; null for messages that come from the agent. */
  readonly state: DeliveryState | null;
  readonly failure: { readonly code: MessageFailureCode; readonly detail: string } | null;
  /** Only while `held`: when the server stops waiting for the machine (then `failed`, code `hold-expired`). */
  readonly heldUntil?: number;
  /** Tool name for tool messages. */
  readonly tool: string | null;
  readonly permission: PermissionInfo | null;
  /** Structure for agent messages: a tool call with its status and result, a plan, streamed text. */
  readonly entry?: AgentEntry;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ResumeAttemptRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly state: ResumeState;
  readonly code: ResumeFailureCode | null;
  readonly detail: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

export interface SettingsRecord {
  readonly disabledBackends: Backend[];
  readonly codexBackend: 'codex-app-server' | 'codex-mcp';
}

export interface ShareRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly revoked: boolean;
  readonly createdAt: number;
}

export interface DeviceRecord {
  readonly id: string;
  readonly kind: 'phone' | 'machine' | 'cli';
  readonly name: string;
  readonly createdAt: number;
  readonly revoked: boolean;
  readonly current: boolean;
}
