// Branded ids: parsed once at the boundary so a SessionId can never be passed where a MachineId is meant.
import * as v from 'valibot';

const idText = v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits or _ . : -'));

export const SessionIdSchema = v.pipe(idText, v.brand('SessionId'));
export const MachineIdSchema = v.pipe(idText, v.brand('MachineId'));
export const AccountIdSchema = v.pipe(idText, v.brand('AccountId'));
export const DeviceIdSchema = v.pipe(idText, v.brand('DeviceId'));
export const MessageIdSchema = v.pipe(idText, v.brand('MessageId'));
export const AttemptIdSchema = v.pipe(idText, v.brand('AttemptId'));
export const PermissionIdSchema = v.pipe(idText, v.brand('PermissionId'));
/** A client-chosen idempotency key for a message; the same key never stores a second message. */
export const ClientIdSchema = v.pipe(idText, v.brand('ClientId'));
/** The provider's own id for a session (Claude UUID, Codex thread id, OpenCode ses_…, ACP session id). */
export const VendorIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.regex(/^[A-Za-z0-9_.:-]+$/), v.brand('VendorId'));

export type SessionId = v.InferOutput<typeof SessionIdSchema>;
export type MachineId = v.InferOutput<typeof MachineIdSchema>;
export type AccountId = v.InferOutput<typeof AccountIdSchema>;
export type DeviceId = v.InferOutput<typeof DeviceIdSchema>;
export type MessageId = v.InferOutput<typeof MessageIdSchema>;
export type AttemptId = v.InferOutput<typeof AttemptIdSchema>;
export type PermissionId = v.InferOutput<typeof PermissionIdSchema>;
export type ClientId = v.InferOutput<typeof ClientIdSchema>;
export type VendorId = v.InferOutput<typeof VendorIdSchema>;

/** Trusted conversions for ids minted by our own code (never for input). */
export const asSessionId = (s: string) => s as SessionId;
export const asMachineId = (s: string) => s as MachineId;
export const asAccountId = (s: string) => s as AccountId;
export const asDeviceId = (s: string) => s as DeviceId;
export const asMessageId = (s: string) => s as MessageId;
export const asAttemptId = (s: string) => s as AttemptId;
export const asPermissionId = (s: string) => s as PermissionId;
export const asClientId = (s: string) => s as ClientId;
export const asVendorId = (s: string) => s as VendorId;
