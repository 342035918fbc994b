// Messages on the phone (and CLI, and share viewer) events socket. The socket only says "something
// changed" plus live message events; clients catch up over HTTP before trusting it.
import * as v from 'valibot';
import { SessionIdSchema } from './ids.ts';
import type { MessageRecord } from './records.ts';

export const PhoneUpSchema = v.variant('type', [
  /** First frame: either a device token or a share token (read-only, one session). */
  v.strictObject({ type: v.literal('hello'), protocol: v.pipe(v.number(), v.integer()), token: v.optional(v.pipe(v.string(), v.maxLength(512))), shareToken: v.optional(v.pipe(v.string(), v.maxLength(512))) }),
  v.strictObject({ type: v.literal('ping') }),
  /**
   * The app's screen as its user sees it, sent after welcome and whenever it changes: the session shown in the
   * foreground, or null (another screen, or the app hidden). Push notifications about that session are not
   * sent to this device while it says so. No answer.
   */
  v.strictObject({ type: v.literal('foreground'), sessionId: v.nullable(SessionIdSchema) }),
]);
export type PhoneUp = v.InferOutput<typeof PhoneUpSchema>;

export type PhoneDown =
  | { readonly type: 'welcome'; readonly protocol: number; readonly cursor: number }
  /** Something changed at or before `cursor`: call GET /api/sync?since=<your cursor>. */
  | { readonly type: 'changed'; readonly cursor: number }
  /** A message was added or its state changed (live streaming). */
  | { readonly type: 'message'; readonly message: MessageRecord }
  | { readonly type: 'pong' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };
