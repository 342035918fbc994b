// Messages on the phone (and CLI, and share viewer) events socket: one schema per message, a union per direction.
// The socket only says "something changed" plus live message events; clients catch up over HTTP before trusting it.
import * as v from 'valibot';
import { SessionIdSchema } from './ids.ts';
import { MessageRecordSchema } from './record-schemas.ts';
import { SOCKET_ERRORS } from './socket-codes.ts';

// ── phone → server ──
/** First frame: either a device token or a share token (read-only, one session). */
export const PhoneHelloSchema = v.strictObject({ type: v.literal('hello'), protocol: v.pipe(v.number(), v.integer()), token: v.optional(v.pipe(v.string(), v.maxLength(512))), shareToken: v.optional(v.pipe(v.string(), v.maxLength(512))) });
export type PhoneHello = v.InferOutput<typeof PhoneHelloSchema>;
/** Keeps idle proxies from closing the socket; answered by `pong`. */
export const PingSchema = v.strictObject({ type: v.literal('ping') });
export type Ping = v.InferOutput<typeof PingSchema>;
/**
 * The app's screen as its user sees it, sent after welcome and whenever it changes: the session shown in the
 * foreground, or null (another screen, or the app hidden). Push notifications about that session are not
 * sent to this device while it says so. No answer.
 */
export const ForegroundSchema = v.strictObject({ type: v.literal('foreground'), sessionId: v.nullable(SessionIdSchema) });
export type Foreground = v.InferOutput<typeof ForegroundSchema>;

export const PhoneUpSchema = v.variant('type', [PhoneHelloSchema, PingSchema, ForegroundSchema]);
export type PhoneUp = v.InferOutput<typeof PhoneUpSchema>;

// ── server → phone ── (checked on arrival: a frame that does not match is dropped, never handed to a store)
// Objects, not strict objects: a field a newer server adds is dropped, not the frame.
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The hello was accepted; `cursor` is where this account's changes are now. */
export const WelcomeSchema = v.object({ type: v.literal('welcome'), protocol: v.pipe(v.number(), v.integer()), cursor: count });
export type Welcome = v.InferOutput<typeof WelcomeSchema>;
/** Something changed at or before `cursor`: call GET /api/sync?since=<your cursor>. */
export const ChangedSchema = v.object({ type: v.literal('changed'), cursor: count });
export type Changed = v.InferOutput<typeof ChangedSchema>;
/** A message was added or its state changed (live streaming). */
export const MessageFrameSchema = v.object({ type: v.literal('message'), message: MessageRecordSchema });
export type MessageFrame = v.InferOutput<typeof MessageFrameSchema>;
export const PongSchema = v.object({ type: v.literal('pong') });
export type Pong = v.InferOutput<typeof PongSchema>;
/** The server refused a frame (and, for a hello, closes the socket with a `CloseCode` right after). */
export const PhoneErrorSchema = v.object({ type: v.literal('error'), code: v.picklist(SOCKET_ERRORS), message: v.string() });
export type PhoneError = v.InferOutput<typeof PhoneErrorSchema>;

export const PhoneDownSchema = v.variant('type', [WelcomeSchema, ChangedSchema, MessageFrameSchema, PongSchema, PhoneErrorSchema]);
export type PhoneDown = v.InferOutput<typeof PhoneDownSchema>;

/** A frame's text as the server sent it, or why it is not one (not JSON, or not a message this client knows). */
export function parsePhoneDown(text: string): { readonly ok: true; readonly frame: PhoneDown } | { readonly ok: false; readonly why: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, why: 'a frame that is not JSON' };
  }
  const r = v.safeParse(PhoneDownSchema, json);
  if (r.success) return { ok: true, frame: r.output };
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.');
  const type = typeof (json as { type?: unknown } | null)?.type === 'string' ? (json as { type: string }).type : null;
  return { ok: false, why: `${type ? `a "${type}" frame` : 'a frame'} that does not match the protocol${path ? ` at ${path}` : ''}: ${issue.message}` };
}
