// The service worker's Web Push side: show each push (one notification per session tag, once per event), open
// the app on its session when tapped, answer Allow/Deny through the API with the device's own token, keep the badge.
/// <reference lib="webworker" />
import type { PushPayload } from '../../core/push.ts';
import { profileOfDevice, readProfiles, type WorkerProfile } from './profiles.ts';

type Action = { action: string; title: string };
type Options = NotificationOptions & { actions?: Action[]; renotify?: boolean; timestamp?: number };
type Shown = PushPayload & { readonly answerFailed?: true };
interface SubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}

/** Event ids shown by this worker lately: a push the server re-sent after a crash is not shown twice. */
const seen: string[] = [];
const SEEN_MAX = 200;

export function registerPushHandlers(sw: ServiceWorkerGlobalScope): void {
  sw.addEventListener('push', (event) => event.waitUntil(onPush(sw, event.data)));
  sw.addEventListener('notificationclick', (event) => {
    const n = event.notification;
    const p = n.data as Shown | null;
    n.close();
    const decision = event.action === 'allow' || event.action === 'deny' ? event.action : null;
    const work = (decision && p?.permission && !p.answerFailed ? answer(sw, p, decision) : openApp(sw, p)).then(() => updateBadge(sw));
    keepAlive(event, work);
  });
  sw.addEventListener('notificationclose', (event) => keepAlive(event, updateBadge(sw)));
  sw.addEventListener('pushsubscriptionchange', ((event: SubscriptionChangeEvent) => {
    event.waitUntil(resubscribe(sw, event));
  }) as EventListener);
}

/** A synthetic event (dispatched by a test harness) cannot extend its lifetime; the work runs either way. */
function keepAlive(event: ExtendableEvent, work: Promise<unknown>): void {
  try {
    event.waitUntil(work);
  } catch {
    void work;
  }
}

function parse(data: PushMessageData | null): PushPayload | null {
  try {
    const p = data?.json() as PushPayload | undefined;
    return p && p.v === 1 && typeof p.eventId === 'string' && typeof p.title === 'string' && typeof p.tag === 'string' ? p : null;
  } catch {
    return null;
  }
}

async function onPush(sw: ServiceWorkerGlobalScope, data: PushMessageData | null): Promise<void> {
  const p = parse(data);
  // A browser must show something for every push; one we cannot read still says where to look.
  if (!p) return sw.registration.showNotification('Baton', { body: 'Something changed in your sessions.', tag: 'baton', icon: '/icon-192.png' });
  const shown = await sw.registration.getNotifications({ tag: p.tag });
  if (seen.includes(p.eventId) || shown.some((n) => (n.data as PushPayload | null)?.eventId === p.eventId)) return;
  seen.push(p.eventId);
  if (seen.length > SEEN_MAX) seen.shift();
  await show(sw, p, p.body, true);
  await updateBadge(sw);
}

function show(sw: ServiceWorkerGlobalScope, p: Shown, body: string, withActions: boolean): Promise<void> {
  const options: Options = {
    body,
    tag: p.tag,
    data: p,
    icon: '/icon-192.png',
    badge: '/icon-192.png',
    timestamp: p.at,
    // A newer event for the same session replaces the older notification and alerts again.
    renotify: true,
    requireInteraction: p.kind === 'permission' && withActions,
    actions: withActions && p.permission ? [{ action: 'allow', title: 'Allow' }, { action: 'deny', title: 'Deny' }] : [],
  };
  return sw.registration.showNotification(p.title, options);
}

/** `/#/s/<id>?server=…`: the session view switches to that server's profile when another one is active. */
async function appUrl(p: PushPayload | null): Promise<string> {
  if (!p?.sessionId) return '/#/';
  const profile = await profileOfDevice(p.deviceId);
  const server = profile ? `?server=${encodeURIComponent(profile.server)}` : '';
  return `/#/s/${encodeURIComponent(p.sessionId)}${server}`;
}

async function openApp(sw: ServiceWorkerGlobalScope, p: PushPayload | null): Promise<void> {
  const url = await appUrl(p);
  const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const target = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === 'visible') ?? windows[0];
  if (!target) {
    await sw.clients.openWindow(url);
    return;
  }
  target.postMessage({ type: 'open', url });
  await target.focus().catch(() => undefined);
}

async function answer(sw: ServiceWorkerGlobalScope, p: Shown, decision: 'allow' | 'deny'): Promise<void> {
  const profile = await profileOfDevice(p.deviceId);
  if (!profile || !p.sessionId || !p.permission) return failed(sw, p, 'this phone no longer has the server it came from.');
  let res: Response;
  try {
    res = await fetch(`${profile.server}/api/sessions/${encodeURIComponent(p.sessionId)}/permissions/${encodeURIComponent(p.permission.permissionId)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${profile.token}`, 'content-type': 'application/json' },
      // Bound to the request this notification showed: the server refuses it for any other.
      body: JSON.stringify({ decision, inputHash: p.permission.inputHash }),
    });
  } catch {
    return failed(sw, p, 'the server could not be reached.');
  }
  if (res.ok) return;
  const why = await res.json().then((b: { error?: { message?: string } }) => b.error?.message, () => undefined);
  return failed(sw, p, `${why ?? `the server answered ${res.status}`}.`);
}

/** The answer did not take: say so where it was given, and let a tap open the session. */
function failed(sw: ServiceWorkerGlobalScope, p: Shown, why: string): Promise<void> {
  return show(sw, { ...p, answerFailed: true }, `Not answered: ${why.replace(/\.\.$/, '.')} Tap to open the session.`, false);
}

async function updateBadge(sw: ServiceWorkerGlobalScope): Promise<void> {
  const nav = sw.navigator as WorkerNavigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  if (!nav.setAppBadge) return;
  const count = (await sw.registration.getNotifications()).length;
  await (count > 0 ? nav.setAppBadge(count) : nav.clearAppBadge?.())?.catch(() => undefined);
}

/** The browser replaced the subscription: tell each server that had the old one. */
async function resubscribe(sw: ServiceWorkerGlobalScope, event: SubscriptionChangeEvent): Promise<void> {
  const old = event.oldSubscription;
  const fresh = event.newSubscription ?? (old ? await sw.registration.pushManager.subscribe(old.options).catch(() => null) : null);
  if (!old || !fresh) return;
  await Promise.all((await readProfiles()).map((p) => moveSubscription(p, old.endpoint, fresh)));
}

async function moveSubscription(p: WorkerProfile, oldEndpoint: string, fresh: PushSubscription): Promise<void> {
  const headers = { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' };
  try {
    const status = (await (await fetch(`${p.server}/api/push`, { headers })).json()) as { subscription?: { endpoint: string } | null };
    if (status.subscription?.endpoint !== oldEndpoint) return;
    await fetch(`${p.server}/api/push/subscription`, { method: 'POST', headers, body: JSON.stringify(fresh.toJSON()) });
  } catch {
    // Offline: the settings screen registers it again when opened.
  }
}
