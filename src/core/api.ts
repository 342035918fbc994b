// Schemas for every HTTP request body and query; unknown fields are refused so typos never pass silently.
import * as v from 'valibot';
import { ClientIdSchema, MachineIdSchema, SessionIdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';
import { BACKENDS, PROVIDERS } from './providers.ts';
import { PERMISSION_SCOPES, PermissionModeSchema } from './machine-protocol.ts';

/** A lone surrogate (half of a UTF-16 pair) cannot be stored as text: SQLite would silently turn it into U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const wellFormed = (s: string): boolean => !LONE_SURROGATE.test(s);
const wellFormedText = v.check(wellFormed, 'must be valid Unicode (it holds half of a surrogate pair)');

const text = (max: number) => v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`), wellFormedText);

export const PairRequestSchema = v.strictObject({
  // Letters in either case (`k7qpd-m3xwa` pairs as `K7QPD-M3XWA`), digits and dashes; the server compares them normalized.
  code: v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{6,32}$/, 'must be the pairing code shown by `baton pair`')),
  name: text(LIMITS.nameChars),
  kind: v.picklist(['phone', 'machine', 'cli']),
});
export type PairRequest = v.InferOutput<typeof PairRequestSchema>;

export const CreatePairingCodeSchema = v.strictObject({
  kind: v.optional(v.picklist(['phone', 'machine', 'cli']), 'phone'),
});

export const SendMessageSchema = v.strictObject({
  clientId: ClientIdSchema,
  text: text(LIMITS.messageTextChars),
});
export type SendMessageRequest = v.InferOutput<typeof SendMessageSchema>;

export const StartSessionSchema = v.strictObject({
  machineId: MachineIdSchema,
  provider: v.picklist(PROVIDERS),
  backend: v.optional(v.picklist(BACKENDS)),
  cwd: text(LIMITS.cwdChars),
  title: v.optional(text(LIMITS.titleChars)),
  /** Optional first message, delivered once the session is live. */
  message: v.optional(v.strictObject({ clientId: ClientIdSchema, text: text(LIMITS.messageTextChars) })),
  /** Seed the new session with a summary of an old one (explicit "start new with this message"). */
  summaryOf: v.optional(SessionIdSchema),
  /** How much the agent may do without asking (`src/core/permission-modes.ts`); absent: the vendor's default. */
  permissionMode: v.optional(PermissionModeSchema),
});
export type StartSessionRequest = v.InferOutput<typeof StartSessionSchema>;

export const PermissionAnswerSchema = v.strictObject({
  decision: v.picklist(['allow', 'deny']),
  /** `session`: allow it for the rest of the session (only where the request says the vendor can). */
  scope: v.optional(v.picklist(PERMISSION_SCOPES)),
  /** `permissionInputHash(input)` of the request being answered: a mismatch is refused (409), nothing answered. */
  inputHash: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be the request input’s SHA-256 in lower-case hex'))),
});

export const SettingsSchema = v.strictObject({
  disabledBackends: v.pipe(v.array(v.picklist(BACKENDS)), v.maxLength(BACKENDS.length)),
  codexBackend: v.picklist(['codex-app-server', 'codex-mcp']),
});
export const SettingsPatchSchema = v.partial(SettingsSchema);

export const CreateShareSchema = v.strictObject({
  expiresInSeconds: v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(LIMITS.shareMaxSeconds)),
});

/** `PATCH /api/sessions/:id`: a new title, a new permission mode, or both (at least one). */
export const RenameSessionSchema = v.pipe(
  v.strictObject({ title: v.optional(text(LIMITS.titleChars)), permissionMode: v.optional(PermissionModeSchema) }),
  v.check((b) => b.title !== undefined || b.permissionMode !== undefined, 'give a title or a permissionMode'),
);

const cursor = v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'must be a whole number'), v.transform(Number));
/** Where a paged sync goes on: the `next` of the page before, handed back unchanged (`<cursor>.<session id>`). */
const syncAfter = v.pipe(v.string(), v.maxLength(160), v.regex(/^\d{1,15}\.[A-Za-z0-9_.:-]{1,128}$/, 'must be the `next` of the previous page'));
export const SyncQuerySchema = v.strictObject({
  since: v.optional(cursor),
  after: v.optional(syncAfter),
  limit: v.optional(v.pipe(cursor, v.minValue(1), v.maxValue(LIMITS.syncPageSessions))),
});
export const MessagesQuerySchema = v.strictObject({
  after: v.optional(cursor),
  before: v.optional(cursor),
  limit: v.optional(v.pipe(cursor, v.minValue(1), v.maxValue(LIMITS.pageSize))),
});

/** `GET /api/sessions/:id/history`: the newest `limit` entries before index `before` (the newest ones when absent). */
export const HistoryQuerySchema = v.strictObject({
  before: v.optional(cursor),
  limit: v.optional(v.pipe(cursor, v.minValue(1), v.maxValue(50))),
});

/** Parse input or say, in one line, what is wrong with it. */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  const r = v.safeParse(schema, input);
  if (r.success) return { ok: true, value: r.output };
  return { ok: false, message: r.issues.map(formatIssue).join('; ') };
}

function formatIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}
