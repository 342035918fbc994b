// Messages between a machine daemon and the server: one schema per message, a union per direction.
import * as v from 'valibot';
import { AttemptIdSchema, MessageIdSchema, PermissionIdSchema, SessionIdSchema, VendorIdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';
import { BACKENDS, PROVIDERS } from './providers.ts';
import { DELIVER_FAILURE_CODES } from './delivery.ts';
import { RESUME_FAILURE_CODES } from './resume-attempt.ts';
import { TURN_FAILURE_CODES } from './turn.ts';
import { SOCKET_ERRORS } from './socket-codes.ts';
import { HISTORY, HISTORY_FAILURE_CODES, HistoryPageSchema } from './history.ts';
import { ENTRY_LIMITS, PlanEventSchema, ToolCallEventSchema } from './agent-entries.ts';

const str = (max: number) => v.pipe(v.string(), v.maxLength(max));
const BackendSchema = v.picklist(BACKENDS);

export const BackendCapabilitySchema = v.strictObject({
  installed: v.boolean(),
  version: v.nullable(str(200)),
  canResume: v.boolean(),
  detail: v.nullable(str(1000)),
});
export const CapabilitiesSchema = v.record(BackendSchema, BackendCapabilitySchema);

/** How many recent delivered message ids a session report carries. */
export const REPORTED_DELIVERED_MAX = 100;

/** What the daemon knows of one session it manages, sent in hello so the server can reconcile. */
export const SessionReportSchema = v.strictObject({
  sessionId: SessionIdSchema,
  vendorResumeId: v.nullable(VendorIdSchema),
  running: v.boolean(),
  /**
   * The latest messages the daemon wrote to this session's agent. After a daemon crash its acks may
   * still sit in its outbox: these let the server count them delivered instead of failing them.
   */
  delivered: v.optional(v.pipe(v.array(MessageIdSchema), v.maxLength(REPORTED_DELIVERED_MAX))),
});
export type SessionReport = v.InferOutput<typeof SessionReportSchema>;

/**
 * Session reports per frame: a hello carries the first page and `more: true`, the rest follow in
 * `session-reports` frames (so a machine with any number of sessions connects; each frame stays small).
 */
export const SESSION_REPORTS_PAGE = 1_000;
/** At most this many reports in one connection's hello and its pages together (a bound on the server's memory). */
export const SESSION_REPORTS_MAX = 1_000_000;

export const DirectSessionSchema = v.strictObject({
  provider: v.picklist(PROVIDERS),
  backend: BackendSchema,
  vendorResumeId: VendorIdSchema,
  cwd: str(LIMITS.cwdChars),
  title: str(LIMITS.titleChars),
  updatedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

/** A permission mode id (`src/core/permission-modes.ts`); the daemon hands it to the vendor. */
export const PermissionModeSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(100), v.regex(/^[A-Za-z0-9_.:/-]+$/, 'must be a permission mode id'));

/** How far an answer reaches: this request only, or (where the vendor supports it) the rest of the session. */
export const PERMISSION_SCOPES = ['once', 'session'] as const;

export const AgentEventSchema = v.variant('kind', [
  v.strictObject({
    kind: v.literal('text'), text: str(LIMITS.messageTextChars),
    /** Streamed text (Codex deltas): later texts with the same part id replace this one; `final` on the last. */
    partId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(ENTRY_LIMITS.idChars))),
    final: v.optional(v.boolean()),
  }),
  /** A tool call in one line (older daemons); `tool-call` carries its structure, status and result. */
  v.strictObject({ kind: v.literal('tool'), tool: str(200), input: str(LIMITS.messageTextChars) }),
  ToolCallEventSchema,
  PlanEventSchema,
  /** The turn ended; `failure` when it ended without answering (the messages it took become `unanswered`). */
  v.strictObject({
    kind: v.literal('turn-end'),
    failure: v.optional(v.strictObject({ code: v.picklist(TURN_FAILURE_CODES), detail: str(2000) })),
  }),
  /** The vendor failed a model call and will try again; the phone shows it until the agent moves on. */
  v.strictObject({
    kind: v.literal('retry'),
    attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
    maxAttempts: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
    detail: str(1000),
    retryInMs: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))),
  }),
  v.strictObject({
    kind: v.literal('permission-request'), permissionId: PermissionIdSchema, tool: str(200),
    /** Exactly what Allow approves: the tool's whole input (JSON text for structured input). Never a summary. */
    input: str(LIMITS.messageTextChars),
    /** The input was longer than fits: the phone shows what there is and can only deny. */
    inputTruncated: v.optional(v.boolean()),
    /** The vendor's own words: a title (Claude `display_name`, ACP `title`) and a description. */
    title: v.optional(str(2_000)),
    description: v.optional(str(4_000)),
    /** The vendor can allow this for the rest of the session (Claude suggestions, Codex `acceptForSession`, ACP `allow_always`, OpenCode `always`). */
    sessionScope: v.optional(v.boolean()),
    /** What allowing it for the session covers, in the vendor's terms (a rule, a mode, patterns), when it says. */
    sessionScopeDetail: v.optional(str(2_000)),
    /** The tool call it is about, when the vendor links them. */
    callId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(ENTRY_LIMITS.idChars))),
  }),
  v.strictObject({ kind: v.literal('error'), text: str(LIMITS.messageTextChars) }),
]);
export type AgentEvent = v.InferOutput<typeof AgentEventSchema>;

// ── daemon → server ──
export const MachineUpSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('hello'),
    protocol: v.pipe(v.number(), v.integer()),
    token: str(512),
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.nameChars)),
    capabilities: CapabilitiesSchema,
    sessions: v.pipe(v.array(SessionReportSchema), v.maxLength(10_000)),
    /** More reports follow in `session-reports` frames; the server reconciles once the last one arrived. */
    more: v.optional(v.literal(true)),
  }),
  /** A page of the hello's session reports (sent right after the hello, before anything else). */
  v.strictObject({ type: v.literal('session-reports'), sessions: v.pipe(v.array(SessionReportSchema), v.maxLength(SESSION_REPORTS_PAGE)), last: v.boolean() }),
  v.strictObject({ type: v.literal('heartbeat') }),
  v.strictObject({ type: v.literal('capabilities'), capabilities: CapabilitiesSchema }),
  v.strictObject({ type: v.literal('resume-result'), attemptId: AttemptIdSchema, sessionId: SessionIdSchema, ok: v.literal(true), vendorResumeId: VendorIdSchema }),
  v.strictObject({
    type: v.literal('resume-result'), attemptId: AttemptIdSchema, sessionId: SessionIdSchema, ok: v.literal(false),
    code: v.picklist(RESUME_FAILURE_CODES), detail: str(2000),
  }),
  /** The agent process is up and the vendor gave its id (not yet resumable: the vendor may not have persisted it). */
  v.strictObject({ type: v.literal('started'), requestId: str(128), sessionId: SessionIdSchema, vendorId: VendorIdSchema }),
  v.strictObject({ type: v.literal('start-failed'), requestId: str(128), sessionId: SessionIdSchema, code: v.picklist(RESUME_FAILURE_CODES), detail: str(2000) }),
  /** The vendor has persisted the session (first turn done): it can be resumed by this id from now on. */
  v.strictObject({ type: v.literal('resumable'), sessionId: SessionIdSchema, vendorResumeId: VendorIdSchema }),
  /** The message was written to the agent. Sent again after a reconnect if the server did not see it. */
  v.strictObject({ type: v.literal('ack'), sessionId: SessionIdSchema, messageId: MessageIdSchema }),
  /**
   * The message could not be written and never will be by this agent (e.g. Claude reveals a different
   * session id only at the first turn after --resume): it fails with the code; nothing was delivered.
   */
  v.strictObject({ type: v.literal('deliver-failed'), sessionId: SessionIdSchema, messageId: MessageIdSchema, code: v.picklist(DELIVER_FAILURE_CODES), detail: str(2000) }),
  v.strictObject({ type: v.literal('agent-event'), sessionId: SessionIdSchema, eventId: v.pipe(str(128), v.minLength(1)), event: AgentEventSchema }),
  v.strictObject({ type: v.literal('stopped'), sessionId: SessionIdSchema, reason: v.picklist(['requested', 'exited', 'crashed']), detail: v.nullable(str(2000)) }),
  v.strictObject({
    type: v.literal('direct-sessions'), sessions: v.pipe(v.array(DirectSessionSchema), v.maxLength(5_000)),
    /** Backends whose whole listing this is (read without error, nothing cut): their sessions missing from it are gone. */
    complete: v.optional(v.pipe(v.array(BackendSchema), v.maxLength(BACKENDS.length))),
  }),
  /** The answer to a `history-request`. */
  v.strictObject({ type: v.literal('history'), requestId: str(128), ok: v.literal(true), page: HistoryPageSchema }),
  v.strictObject({ type: v.literal('history'), requestId: str(128), ok: v.literal(false), code: v.picklist(HISTORY_FAILURE_CODES), detail: str(2000) }),
]);
export type MachineUp = v.InferOutput<typeof MachineUpSchema>;

// ── server → daemon ── (the daemon validates these too: the server is trusted, but not its bugs)
export const MachineDownSchema = v.variant('type', [
  v.strictObject({ type: v.literal('welcome'), protocol: v.number(), machineId: str(128) }),
  v.strictObject({
    type: v.literal('resume'), attemptId: AttemptIdSchema, sessionId: SessionIdSchema, vendorResumeId: VendorIdSchema, backend: BackendSchema, cwd: str(LIMITS.cwdChars),
    /** The session's permission mode, applied to the reopened agent (absent: the vendor's default). */
    permissionMode: v.optional(PermissionModeSchema),
  }),
  v.strictObject({
    type: v.literal('start'), requestId: str(128), sessionId: SessionIdSchema, provider: v.picklist(PROVIDERS), backend: BackendSchema, cwd: str(LIMITS.cwdChars), title: str(LIMITS.titleChars),
    permissionMode: v.optional(PermissionModeSchema),
  }),
  /** Bind a managed session to an existing vendor id without starting anything (take over a direct session). */
  v.strictObject({ type: v.literal('adopt'), sessionId: SessionIdSchema, vendorResumeId: VendorIdSchema, provider: v.picklist(PROVIDERS), backend: BackendSchema, cwd: str(LIMITS.cwdChars) }),
  v.strictObject({ type: v.literal('deliver'), sessionId: SessionIdSchema, messageId: MessageIdSchema, text: str(LIMITS.messageTextChars) }),
  v.strictObject({ type: v.literal('stop'), sessionId: SessionIdSchema }),
  v.strictObject({ type: v.literal('interrupt'), sessionId: SessionIdSchema }),
  /** `answeredBy`: the person's device that answered, for the daemon's log (optional: servers before it did not say). */
  v.strictObject({
    type: v.literal('permission-answer'), sessionId: SessionIdSchema, permissionId: PermissionIdSchema, decision: v.picklist(['allow', 'deny']),
    /** `session`: allow it for the rest of the session, the vendor's way (only sent when the request said it can). */
    scope: v.optional(v.picklist(PERMISSION_SCOPES)),
    answeredBy: v.optional(v.strictObject({ deviceId: str(128), name: str(LIMITS.nameChars) })),
  }),
  /** The user changed the session's permission mode while its agent runs: applied now (or at its next turn). */
  v.strictObject({ type: v.literal('set-permission-mode'), sessionId: SessionIdSchema, mode: PermissionModeSchema }),
  /**
   * `frame`: with code `apply-failed`, which frame after the hello (1 = the first) the server could not store;
   * it confirms nothing from there on and closes the socket (`CloseCode.applyFailed`), so the daemon sends it again later.
   */
  v.strictObject({ type: v.literal('error'), code: v.picklist(SOCKET_ERRORS), message: str(2000), frame: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }),
  /** The session is archived: the daemon may drop what only a working session needs (its vendor id stays on record). */
  v.strictObject({ type: v.literal('forget'), sessionId: SessionIdSchema }),
  /** Read a page of a session's history from the vendor's own store on this machine (answered by `history`). */
  v.strictObject({
    type: v.literal('history-request'), requestId: str(128), sessionId: SessionIdSchema, backend: BackendSchema, vendorId: VendorIdSchema, cwd: str(LIMITS.cwdChars),
    before: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))), limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HISTORY.pageMax)),
  }),
]);
export type MachineDown = v.InferOutput<typeof MachineDownSchema>;
