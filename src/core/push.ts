// Web Push as the server, the app and the service worker share it: the kinds of notification, a device's
// settings, the subscription body, the payload the worker shows, and the permission input hash.
import * as v from 'valibot';
import { sha256Hex } from './sha256.ts';

/** What can notify a phone; each is a setting per device. */
export const NOTIFICATION_KINDS = ['permission', 'turn-finished', 'resume-failed', 'message-failed', 'machine-offline'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_KIND_TEXT: Readonly<Record<NotificationKind, { readonly label: string; readonly detail: string }>> = {
  permission: { label: 'Permission requests', detail: 'The agent asks to use a tool; Allow or Deny from the notification.' },
  'turn-finished': { label: 'Turn finished', detail: 'The agent answered your message.' },
  'resume-failed': { label: 'Resume failed', detail: 'A session could not be reopened, so your message waits for you.' },
  'message-failed': { label: 'Message failed', detail: 'A message was not delivered or not answered.' },
  'machine-offline': { label: 'Machine offline', detail: 'A machine went away while a message was waiting on it.' },
};

export interface PushSettings {
  readonly kinds: Readonly<Record<NotificationKind, boolean>>;
  /** Show what the agent said or asks (the command, the answer's first words); off: only the session and the kind. */
  readonly previews: boolean;
}

export const DEFAULT_PUSH_SETTINGS: PushSettings = {
  kinds: { permission: true, 'turn-finished': true, 'resume-failed': true, 'message-failed': true, 'machine-offline': true },
  previews: false,
};

const base64url = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url'), v.minLength(min), v.maxLength(max));

/** `PushSubscription.toJSON()` as the browser gives it. */
export const PushSubscriptionSchema = v.strictObject({
  endpoint: v.pipe(v.string(), v.maxLength(2048), v.regex(/^https?:\/\/[^\s]+$/, 'must be the push service’s URL')),
  expirationTime: v.optional(v.nullable(v.number())),
  keys: v.strictObject({ p256dh: base64url(80, 100), auth: base64url(16, 48) }),
});
export type PushSubscriptionBody = v.InferOutput<typeof PushSubscriptionSchema>;

export const PushSettingsPatchSchema = v.strictObject({
  kinds: v.optional(v.strictObject(Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, v.optional(v.boolean())])) as Record<NotificationKind, v.OptionalSchema<v.BooleanSchema<undefined>, undefined>>)),
  previews: v.optional(v.boolean()),
});
export type PushSettingsPatch = v.InferOutput<typeof PushSettingsPatchSchema>;

/** GET /api/push: what this device needs to subscribe and what it is subscribed to. */
export interface PushStatusRecord {
  /** The server's VAPID public key (base64url), the `applicationServerKey` to subscribe with. */
  readonly vapidPublicKey: string;
  readonly subscription: { readonly endpoint: string; readonly createdAt: number } | null;
  readonly settings: PushSettings;
}

/** What the service worker receives (decrypted) in a `push` event. */
export interface PushPayload {
  readonly v: 1;
  /** Stable for one real event (`permission:<messageId>`, `answered:<messageId>`…): shown once per device. */
  readonly eventId: string;
  readonly kind: NotificationKind | 'test';
  /** The device it was sent to: the worker finds its profile (server and token) by it. */
  readonly deviceId: string;
  readonly sessionId: string | null;
  /** One notification per tag is shown: a newer one for the same session replaces the older. */
  readonly tag: string;
  readonly title: string;
  readonly body: string;
  /** For permission requests: what the Allow and Deny actions answer, bound to the request's input. */
  readonly permission: { readonly permissionId: string; readonly inputHash: string } | null;
  readonly at: number;
}

/** The tag of a session's notifications (one shown per session). */
export const sessionTag = (sessionId: string) => `session:${sessionId}`;

/**
 * The hash an answer to a permission request may carry (`inputHash`): SHA-256 hex of the exact input string.
 * The server refuses an answer whose hash is not that of the request it names, so a stale notification
 * cannot approve a request it did not show.
 */
export function permissionInputHash(input: string): string {
  return sha256Hex(input);
}

/** Text shortened to `max` characters on a word boundary where one is near, with an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
