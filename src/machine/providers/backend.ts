// The one interface every provider backend implements; the daemon never knows which vendor it drives.
import type { AgentEvent, Backend, BackendCapability, HistoryFailureCode, HistoryPage, Provider, ResumeFailureCode, VendorId } from '../../core/index.ts';

/** What a running agent tells the daemon. `persisted`: the vendor has saved the session, so it is resumable by id. */
export type DriverEvent =
  | AgentEvent
  | { readonly kind: 'persisted' }
  /** The vendor also knows this session by another id (codex-mcp: the thread id in its rollout), which is then never listed as a direct session. */
  | { readonly kind: 'alias'; readonly vendorId: VendorId }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null; readonly detail: string | null };

export interface AgentHandle {
  /** The vendor's id for this session, captured at start or verified at resume. */
  readonly vendorId: VendorId;
  readonly pid: number | null;
  /** Resolves once the text was written to the agent (that is when the daemon acks delivery). */
  send(text: string): Promise<void>;
  /** `scope: 'session'`: allow it for the rest of the session, the vendor's way (sent only when the request offered it). */
  answerPermission(permissionId: string, decision: 'allow' | 'deny', scope?: 'once' | 'session'): Promise<void>;
  /** Change how much the agent may do without asking, now or from its next turn (`src/core/permission-modes.ts`). */
  setPermissionMode?(mode: string): Promise<void>;
  interrupt(): Promise<void>;
  /** Stops the agent process; resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Subscribe to agent events; returns a disposer. Events emitted before subscription are buffered for the first subscriber. */
  onEvent(listener: (event: DriverEvent) => void): () => void;
}

export type ResumeOutcome =
  | { readonly ok: true; readonly handle: AgentHandle }
  | { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

export type StartOutcome =
  | { readonly ok: true; readonly handle: AgentHandle }
  | { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

export type HistoryOutcome =
  | { readonly ok: true; readonly page: HistoryPage }
  | { readonly ok: false; readonly code: HistoryFailureCode; readonly detail: string };

export interface HistoryRequest {
  readonly vendorId: VendorId;
  readonly cwd: string;
  /** The newest entries before this index; null: the newest ones. */
  readonly before: number | null;
  readonly limit: number;
}

/** A provider-native session found on this machine (e.g. in the vendor's own store). */
export interface DirectSessionInfo {
  readonly provider: Provider;
  readonly backend: Backend;
  readonly vendorResumeId: VendorId;
  readonly cwd: string;
  readonly title: string;
  readonly updatedAt: number;
}

export interface BackendDriver {
  readonly backend: Backend;
  readonly provider: Provider;
  /** Whether this backend can reopen a session by id at all. */
  readonly supportsResume: boolean;
  /** Is the CLI installed, which version, can it resume here? Never throws. */
  checkDependencies(): Promise<BackendCapability>;
  /** Start a fresh vendor session. Resolves once the vendor gave its id. */
  start(options: { readonly cwd: string; readonly title: string; readonly permissionMode?: string | undefined }): Promise<StartOutcome>;
  /**
   * Strict resume: reopen exactly `vendorId`, verify the id the vendor gives back, and resolve only
   * once the vendor context is loaded. Never falls back to a new session; on any failure the process
   * it spawned is stopped before resolving.
   */
  resume(options: { readonly vendorId: VendorId; readonly cwd: string; readonly permissionMode?: string | undefined }): Promise<ResumeOutcome>;
  /** Provider-native sessions on this machine (empty if the backend has no store to read). */
  listDirect(): Promise<DirectSessionInfo[]>;
  /** A page of a session's conversation, read from the vendor's own store without starting it (read-only). */
  readHistory(request: HistoryRequest): Promise<HistoryOutcome>;
  /**
   * Processes that have this vendor session open by the vendor's own record (Claude's live-session registry,
   * Codex's thread writer lock), also when their command line does not name it (a plain `claude` in a
   * terminal). The supervisor refuses to reopen a session someone holds. Never throws.
   */
  holders?(vendorId: VendorId): readonly SessionHolder[];
}

/** Another process that has a vendor session open. */
export interface SessionHolder {
  readonly pid: number;
  /** A few words for the failure sentence, e.g. "claude in a terminal (cwd /home/dev/app)". */
  readonly detail: string;
}

/** Where a driver finds its executable and what environment it runs with. */
export interface DriverEnv {
  /** Absolute path or bare name resolved on PATH. */
  readonly command: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long start or resume may take before it is a `timeout` failure. */
  readonly timeoutMs: number;
}
