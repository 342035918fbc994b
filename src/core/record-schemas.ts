// Schemas of the records the server sends down (a message as its events socket carries it), checked against the
// record types in `records.ts` so a field added to one and not the other fails to compile.
import * as v from 'valibot';
import { FileChangeSchema, PlanItemSchema, TOOL_STATUSES, ToolResultSchema, type AgentEntry } from './agent-entries.ts';
import { DELIVERY_STATES, MESSAGE_FAILURE_CODES } from './delivery.ts';
import type { MessageRecord, MessageRole, PermissionInfo } from './records.ts';

/** Both ways round, the same property names: a schema that forgot an optional field would strip it silently. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Assert<T extends true> = T;
/** Every value the record type allows passes the schema (a union member the schema forgot would drop live frames). */
type Covers<Record, Schema> = [Record] extends [Schema] ? true : false;

// Lengths are not bounded here: the server is trusted for sizes (it bounds what it stores), a frame is checked for shape.
const int = v.pipe(v.number(), v.integer());

const ToolEntrySchema = v.object({
  kind: v.literal('tool'), callId: v.string(), tool: v.string(), title: v.nullable(v.string()), input: v.string(),
  status: v.picklist(TOOL_STATUSES), result: v.nullable(ToolResultSchema), changes: v.array(FileChangeSchema),
});
const PlanEntrySchema = v.object({ kind: v.literal('plan'), planId: v.string(), items: v.array(PlanItemSchema) });
const TextEntrySchema = v.object({ kind: v.literal('text'), partId: v.string(), streaming: v.boolean() });

export const AgentEntrySchema: v.GenericSchema<unknown, AgentEntry> = v.variant('kind', [ToolEntrySchema, PlanEntrySchema, TextEntrySchema]);
export type _AgentEntryKeys = [
  Assert<SameKeys<v.InferOutput<typeof ToolEntrySchema>, Extract<AgentEntry, { kind: 'tool' }>>>,
  Assert<SameKeys<v.InferOutput<typeof PlanEntrySchema>, Extract<AgentEntry, { kind: 'plan' }>>>,
  Assert<SameKeys<v.InferOutput<typeof TextEntrySchema>, Extract<AgentEntry, { kind: 'text' }>>>,
];

const PermissionInfoObject = v.object({
  permissionId: v.string(), tool: v.string(), input: v.string(), decision: v.nullable(v.picklist(['allow', 'deny', 'expired'])),
  scope: v.optional(v.picklist(['once', 'session'])), inputTruncated: v.optional(v.boolean()),
  title: v.optional(v.string()), description: v.optional(v.string()),
  sessionScope: v.optional(v.boolean()), sessionScopeDetail: v.optional(v.string()), callId: v.optional(v.string()),
  answeredBy: v.optional(v.object({ deviceId: v.string(), name: v.string() })),
});
export const PermissionInfoSchema: v.GenericSchema<unknown, PermissionInfo> = PermissionInfoObject;
export type _PermissionInfoKeys = [
  Assert<SameKeys<v.InferOutput<typeof PermissionInfoObject>, PermissionInfo>>,
  Assert<Covers<PermissionInfo, v.InferOutput<typeof PermissionInfoObject>>>,
];

const MESSAGE_ROLES = ['user', 'agent', 'tool', 'permission', 'notice'] as const satisfies readonly MessageRole[];

const MessageRecordObject = v.object({
  id: v.string(), sessionId: v.string(), seq: int, role: v.picklist(MESSAGE_ROLES), text: v.string(), clientId: v.nullable(v.string()),
  state: v.nullable(v.picklist(DELIVERY_STATES)),
  failure: v.nullable(v.object({ code: v.picklist(MESSAGE_FAILURE_CODES), detail: v.string() })),
  heldUntil: v.optional(v.number()), tool: v.nullable(v.string()), permission: v.nullable(PermissionInfoSchema),
  entry: v.optional(AgentEntrySchema), createdAt: v.number(), updatedAt: v.number(),
});
/** A message as the server sends it (unknown fields from a newer server are dropped, not refused). */
export const MessageRecordSchema: v.GenericSchema<unknown, MessageRecord> = MessageRecordObject;
export type _MessageRecordKeys = [
  Assert<SameKeys<v.InferOutput<typeof MessageRecordObject>, MessageRecord>>,
  Assert<Covers<MessageRecord, v.InferOutput<typeof MessageRecordObject>>>,
];
