// Web Push on the phone: the server's real, encrypted pushes (caught by a push service on loopback and decrypted)
// handed to the service worker through CDP, since headless Chromium has no push service. The notification shows,
// a tap opens its session, Allow answers the agent, and a stale notification is refused.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { permissionInputHash, type PushPayload } from '../src/core/push.ts';
import { startPushEndpoint, type PushEndpoint } from '../test/helpers/push-endpoint.ts';
import { api, messagesOf, pairPhone, setFaults, startSession, swControls, until, world, route } from './support/world.ts';

/** The bits of the worker's global scope these steps use (the specs compile with DOM types, not WebWorker). */
interface WorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event;
  dispatchEvent(event: Event): boolean;
}

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: PushPayload;
  actions: { action: string; title: string }[];
}

/** This phone's profile as the app stored it (its token registers the subscription, as the app would). */
async function phoneProfile(page: Page): Promise<{ token: string; deviceId: string }> {
  return page.evaluate(() => new Promise<{ token: string; deviceId: string }>((resolve, reject) => {
    const req = indexedDB.open('baton-profiles');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('profiles').objectStore('profiles').getAll();
      all.onsuccess = () => resolve(all.result[0] as { token: string; deviceId: string });
    };
  }));
}

/** Delivers a payload to the app's service worker as a push service would (ServiceWorker.deliverPushMessage). */
async function pushDeliverer(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string }[] }) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const registrationId = await until('the service worker registration', async () => registrations.find((r) => r.scopeURL === `${world().url}/`)?.registrationId);
  return (payload: PushPayload) => cdp.send('ServiceWorker.deliverPushMessage', { origin: world().url, registrationId, data: JSON.stringify(payload) });
}

function worker(context: BrowserContext): Worker {
  const sw = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
  if (!sw) throw new Error('no service worker');
  return sw;
}

async function shown(context: BrowserContext): Promise<ShownNotification[]> {
  return worker(context).evaluate(async () => {
    const list = await (self as unknown as WorkerScope).registration.getNotifications();
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data, actions: (n as unknown as { actions: { action: string; title: string }[] }).actions }));
  });
}

/** Taps a shown notification (or one of its actions) the way the browser reports it: a `notificationclick` in the worker. */
async function tap(context: BrowserContext, eventId: string, action = ''): Promise<void> {
  await worker(context).evaluate(async ({ eventId, action }) => {
    const sw = self as unknown as WorkerScope;
    const n = (await sw.registration.getNotifications()).find((x) => (x.data as { eventId?: string } | null)?.eventId === eventId);
    if (!n) throw new Error(`no notification for ${eventId}`);
    sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: n, action }));
  }, { eventId, action });
}

let pushService: PushEndpoint;
test.beforeEach(async () => {
  pushService = await startPushEndpoint();
});
test.afterEach(async () => {
  await pushService.stop();
});

test('notifications: turned on from settings; a push shows, a tap opens its session, Allow answers the agent, a stale one is refused', async ({ page, context }) => {
  await context.grantPermissions(['notifications'], { origin: world().url });
  await pairPhone(page);
  await swControls(page);
  const me = await phoneProfile(page);
  const deliver = await pushDeliverer(context, page);

  // Settings: off, and nothing asked until the tap. Headless Chromium has no push service, so subscribing fails there —
  // the app says so — and the test registers a subscription on the loopback push service the way the app does.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  const card = page.getByRole('region', { name: 'Notifications' });
  await expect(card.getByRole('status').first()).toHaveText('Off for this phone.');
  await card.getByRole('button', { name: 'Turn on notifications' }).click();
  await expect(card.getByRole('alert')).toContainText('This browser could not turn notifications on');
  const subscribed = await fetch(`${world().url}/api/push/subscription`, {
    method: 'POST', headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' }, body: JSON.stringify(pushService.subscription('pixel')),
  });
  expect(subscribed.status).toBe(201);
  try {
    await page.reload();
    await expect(card.getByRole('status').first()).toHaveText('On for this phone.');
    const kinds = card.getByRole('list', { name: 'Notify me about' });
    await expect(kinds.getByRole('checkbox', { name: /Permission requests/ })).toBeChecked();
    await expect(kinds.getByRole('checkbox', { name: /Show previews/ })).not.toBeChecked();
    await page.screenshot({ path: 'docs/screenshots/notifications-settings.png' });

    // A test notification: the server's push, decrypted at the push service, shown by the worker.
    await card.getByRole('button', { name: 'Send a test notification' }).click();
    const test = await pushService.next('pixel', (p) => p.kind === 'test');
    await deliver(test.payload);
    await until('the test notification shown', async () => (await shown(context)).some((n) => n.data.eventId === test.payload.eventId));
    expect((await shown(context)).find((n) => n.tag === 'test')).toMatchObject({ title: 'Baton', body: 'Notifications work on this phone.' });

    // A permission request while the phone shows the sessions list: a notification with Allow and Deny.
    const s = await startSession({ provider: 'claude', title: 'Release notes', message: 'hello' });
    setFaults(['no-load-session', 'permission']);
    await page.goto(`${world().url}/#/`);
    await route('sendMessage', { id: s.id, body: { clientId: `push-1-${Date.now()}`, text: 'tidy the changelog' } });
    const first = await pushService.next('pixel', (p) => p.kind === 'permission' && p.sessionId === s.id);
    expect(first.payload.body).toContain('Bash');
    await deliver(first.payload);
    const note = await until('the permission notification', async () => (await shown(context)).find((n) => n.data.eventId === first.payload.eventId));
    expect(note).toMatchObject({ title: 'Release notes', tag: `session:${s.id}` });
    expect(note.actions.map((a) => a.title)).toEqual(['Allow', 'Deny']);

    // Allow, from the notification: the agent gets it (its reply says so) without the app being opened.
    await tap(context, first.payload.eventId, 'allow');
    await until('the permission allowed', async () => (await messagesOf(s.id)).find((m) => m.permission?.permissionId === first.payload.permission!.permissionId)?.permission?.decision === 'allow');
    await until('the turn answered', async () => (await messagesOf(s.id)).some((m) => m.role === 'user' && m.text === 'tidy the changelog' && m.state === 'answered'));
    await until('the notification closed', async () => !(await shown(context)).some((n) => n.data.eventId === first.payload.eventId));

    // The next request: a tap on the notification opens its session on the phone.
    await route('sendMessage', { id: s.id, body: { clientId: `push-2-${Date.now()}`, text: 'and the readme' } });
    const second = await pushService.next('pixel', (p) => p.kind === 'permission' && p.eventId !== first.payload.eventId);
    await deliver(second.payload);
    await until('the second notification', async () => (await shown(context)).some((n) => n.data.eventId === second.payload.eventId));
    await tap(context, second.payload.eventId);
    await expect(page).toHaveURL(new RegExp(`#/s/${s.id}`));
    await expect(page.locator('.session-title')).toHaveText('Release notes');
    const transcript = page.getByRole('log', { name: 'Transcript' });
    const asking = page.getByRole('group', { name: 'Permission request: Bash' }).last();
    await expect(asking.getByRole('button', { name: 'Allow', exact: true })).toBeVisible();
    await expect(transcript).toContainText('allowed: ls');
    await page.screenshot({ path: 'docs/screenshots/notification-opened.png' });

    // A stale notification — built for what the request used to ask — cannot approve what it asks now.
    const stale: PushPayload = { ...second.payload, eventId: `${second.payload.eventId}-stale`, permission: { ...second.payload.permission!, inputHash: permissionInputHash('rm -rf /') } };
    await page.goto(`${world().url}/#/`);
    await deliver(stale);
    await until('the stale notification', async () => (await shown(context)).some((n) => n.data.eventId === stale.eventId));
    await tap(context, stale.eventId, 'allow');
    const refused = await until('the refusal shown', async () => (await shown(context)).find((n) => n.tag === `session:${s.id}` && n.body.startsWith('Not answered')));
    expect(refused.body).toContain('different request');
    expect(refused.actions).toEqual([]);
    const open = (await messagesOf(s.id)).find((m) => m.permission?.permissionId === second.payload.permission!.permissionId);
    expect(open?.permission?.decision).toBeNull();

    // Answered on the phone instead; the agent's turn ends.
    await page.goto(`${world().url}/#/s/${s.id}`);
    await page.getByRole('group', { name: 'Permission request: Bash' }).last().getByRole('button', { name: 'Deny' }).click();
    await expect(transcript).toContainText('denied: ls');

    // While this phone shows the session, the app says so over its socket: the next request is not pushed to it.
    await route('sendMessage', { id: s.id, body: { clientId: `push-3-${Date.now()}`, text: 'one more' } });
    const third = page.getByRole('group', { name: 'Permission request: Bash' }).last();
    await expect(third.getByRole('button', { name: 'Allow', exact: true })).toBeVisible();
    const asked = (await messagesOf(s.id)).filter((m) => m.role === 'permission').at(-1)!;
    const db = new Database(join(world().home, 'baton.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT state FROM push_events WHERE device_id = ? AND event_id = ?').get(me.deviceId, `permission:${asked.id}`) as { state: string } | undefined;
      expect(row?.state).toBe('suppressed');
    } finally {
      db.close();
    }
    await third.getByRole('button', { name: 'Allow', exact: true }).click();
    await expect(third).toContainText('Allowed');
    expect(pushService.delivered('pixel').some((p) => p.payload.eventId === `permission:${asked.id}`)).toBe(false);
  } finally {
    setFaults(['no-load-session']);
    await fetch(`${world().url}/api/push/subscription`, { method: 'DELETE', headers: { authorization: `Bearer ${me.token}` } });
  }
});
