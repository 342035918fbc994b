// Notifications on this phone for the active server: what the browser allows, the server's subscription for
// this device, its kinds and previews; turning them on only ever follows a tap (iOS requires it).
import { atom } from 'nanostores';
import type { PushSettings, PushSettingsPatch, PushSubscriptionBody } from '../../core/push.ts';
import type { ApiClient } from '../lib/api-client.ts';
import { $runtime } from './runtime.ts';

/**
 * `unsupported`: no Web Push in this browser; `needs-install`: iOS, where only a Home-Screen app gets it;
 * `blocked`: the user (or browser) denied notifications for this site; `off`/`on`: this device on this server.
 */
export type PushState = 'unsupported' | 'needs-install' | 'blocked' | 'off' | 'on';

export interface PushView {
  readonly state: PushState | null;
  readonly ios: boolean;
  readonly settings: PushSettings | null;
  readonly busy: boolean;
  readonly error: string | null;
  /** Set after a test notification was queued. */
  readonly testSent: boolean;
}

export const $push = atom<PushView>({ state: null, ios: false, settings: null, busy: false, error: null, testSent: false });

const set = (patch: Partial<PushView>) => $push.set({ ...$push.get(), ...patch });

function api(): ApiClient {
  const r = $runtime.get();
  if (!r) throw new Error('No server is selected.');
  return r.api;
}

export function isIos(): boolean {
  const nav = navigator as Navigator & { maxTouchPoints?: number };
  return /iPad|iPhone|iPod/.test(nav.userAgent) || (nav.platform === 'MacIntel' && (nav.maxTouchPoints ?? 0) > 1);
}

function standalone(): boolean {
  return window.matchMedia?.('(display-mode: standalone)').matches === true || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}

function browserState(): PushState | null {
  const ios = isIos();
  if (ios && !standalone()) return 'needs-install';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return null;
}

/** Reads what the browser and the server say; registers again a subscription the browser changed on its own. */
export async function loadPush(client: ApiClient = api()): Promise<void> {
  const ios = isIos();
  const limited = browserState();
  set({ ios, error: null });
  try {
    const status = await client.call('pushStatus');
    let on = status.subscription !== null && Notification.permission === 'granted';
    if (on && !limited) {
      const current = await browserSubscription();
      if (current && current.endpoint !== status.subscription!.endpoint && sameKey(current, status.vapidPublicKey)) {
        await client.call('subscribePush', { body: current.toJSON() as PushSubscriptionBody });
      }
    }
    if (limited) on = false;
    set({ state: limited ?? (on ? 'on' : 'off'), settings: status.settings });
  } catch (e) {
    set({ state: limited ?? 'off', error: e instanceof Error ? e.message : String(e) });
  }
}

async function browserSubscription(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

function sameKey(sub: PushSubscription, key: string): boolean {
  const raw = sub.options.applicationServerKey;
  return raw !== null && raw !== undefined && toBase64Url(new Uint8Array(raw)) === key.replace(/=+$/, '');
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The user tapped "Turn on": ask the browser (only now), subscribe with this server's key, register it. */
export async function enablePush(client: ApiClient = api()): Promise<void> {
  set({ busy: true, error: null, testSent: false });
  try {
    const limited = browserState();
    if (limited) return set({ state: limited });
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return set({ state: permission === 'denied' ? 'blocked' : 'off' });
    const status = await client.call('pushStatus');
    const reg = await navigator.serviceWorker.ready;
    let sub = await reg.pushManager.getSubscription();
    // One subscription per browser, bound to one server's key: another server's is replaced (it stops there).
    if (sub && !sameKey(sub, status.vapidPublicKey)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(status.vapidPublicKey) });
    await client.call('subscribePush', { body: sub.toJSON() as PushSubscriptionBody });
    set({ state: 'on', settings: status.settings });
  } catch (e) {
    set({ error: `This browser could not turn notifications on: ${e instanceof Error ? e.message : String(e)}` });
  } finally {
    set({ busy: false });
  }
}

/** Off for this server; the browser's subscription stays for other servers this phone may use. */
export async function disablePush(client: ApiClient = api()): Promise<void> {
  set({ busy: true, error: null, testSent: false });
  try {
    await client.call('unsubscribePush');
    set({ state: browserState() ?? 'off' });
  } catch (e) {
    set({ error: e instanceof Error ? e.message : String(e) });
  } finally {
    set({ busy: false });
  }
}

export async function updatePushSettings(patch: PushSettingsPatch, client: ApiClient = api()): Promise<void> {
  set({ error: null });
  try {
    set({ settings: await client.call('updatePushSettings', { body: patch }) });
  } catch (e) {
    set({ error: e instanceof Error ? e.message : String(e) });
  }
}

export async function sendTestPush(client: ApiClient = api()): Promise<void> {
  set({ error: null, testSent: false });
  try {
    await client.call('testPush');
    set({ testSent: true });
  } catch (e) {
    set({ error: e instanceof Error ? e.message : String(e) });
  }
}
