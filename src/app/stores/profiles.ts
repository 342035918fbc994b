// Server profiles: pair (from a link or typed), list, switch, rename, remove; each has its own token and cache.
import { atom, computed } from 'nanostores';
import { ApiError, createApiClient, errorText, normalizeServer, type ApiClient } from '../lib/api-client.ts';
import { deleteCache } from '../lib/cache-db.ts';
import { earlyReadSettled, settleEarly, takeEarlyProfilesDb, writeActiveHint } from '../lib/early-start.ts';
import { openProfilesDb, type ProfilesDb, type ServerProfile } from '../lib/profiles-db.ts';

export const $profiles = atom<readonly ServerProfile[]>([]);
export const $activeProfileId = atom<string | null>(null);
export const $activeProfile = computed([$profiles, $activeProfileId], (list, id) => list.find((p) => p.id === id) ?? null);
/** False until profiles were read from IndexedDB, so screens do not flash "add a server". */
export const $profilesLoaded = atom(false);

/** How long the first screen waits for the cached rows before it shows without them. */
const EARLY_READ_WAIT_MS = 100;

let dbPromise: Promise<ProfilesDb> | null = null;
const db = () => (dbPromise ??= takeEarlyProfilesDb() ?? openProfilesDb());

/** Every change of the active profile goes through here, so the start-up hint always names it. */
function setActive(id: string | null): void {
  writeActiveHint(id);
  settleEarly(id);
  $activeProfileId.set(id);
}

export async function loadProfiles(): Promise<void> {
  const tx = (await db()).transaction(['profiles', 'prefs']);
  const [all, active] = await Promise.all([tx.objectStore('profiles').getAll(), tx.objectStore('prefs').get('activeProfileId')]);
  const list = all.sort((a, b) => a.createdAt - b.createdAt);
  const activeId = list.some((p) => p.id === active) ? active! : (list[0]?.id ?? null);
  // At start-up the active cache is being read already: wait for it (briefly), so the screen paints its
  // header and its rows in one frame instead of a header-only frame first.
  await earlyReadSettled(activeId, EARLY_READ_WAIT_MS);
  $profiles.set(list);
  setActive(activeId);
  $profilesLoaded.set(true);
}

export async function switchProfile(id: string): Promise<void> {
  await (await db()).put('prefs', id, 'activeProfileId');
  setActive(id);
}

export interface PairInput {
  readonly server: string;
  readonly code: string;
  /** This phone's name as the server lists it under devices. */
  readonly deviceName: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/**
 * Pair with a server and make it the active profile. Pairing the same account on the same server
 * again replaces the old token instead of adding a duplicate profile (its cache is kept).
 */
export async function pairServer(input: PairInput): Promise<ServerProfile> {
  const norm = normalizeServer(input.server);
  if (!norm.ok) throw new Error(norm.message);
  const code = input.code.trim().toUpperCase();
  if (!/^[A-Z0-9-]{6,32}$/.test(code)) throw new Error('The pairing code is the short code printed by `baton up` (letters, digits and dashes).');
  const api = createApiClient({ server: norm.server, ...(input.fetch ? { fetch: input.fetch } : {}) });
  const res = await api.call('pair', { body: { code, name: input.deviceName.slice(0, 100) || 'Phone', kind: 'phone' } });
  const d = await db();
  const existing = (await d.getAll('profiles')).find((p) => p.server === norm.server && p.accountId === res.accountId);
  const profile: ServerProfile = existing
    ? { ...existing, token: res.token, deviceId: res.deviceId }
    : { id: newProfileId(), name: defaultName(norm.server), server: norm.server, token: res.token, accountId: res.accountId, deviceId: res.deviceId, createdAt: (input.now ?? Date.now)() };
  await d.put('profiles', profile);
  await switchProfile(profile.id);
  await loadProfiles();
  return profile;
}

export async function renameProfile(id: string, name: string): Promise<void> {
  const trimmed = name.trim().slice(0, 100);
  if (!trimmed) throw new Error('A server needs a name.');
  const d = await db();
  const p = await d.get('profiles', id);
  if (!p) return;
  await d.put('profiles', { ...p, name: trimmed });
  await loadProfiles();
}

/** What became of a removed server's token on that server. */
export type RemoveOutcome =
  /** The server revoked it: it opens nothing any more. */
  | { readonly revoked: true }
  /** The server already refused it (revoked from another device, or the account is gone there). */
  | { readonly revoked: 'already' }
  /** The server could not be asked (offline, unreachable, failing): the token still works there until revoked. */
  | { readonly revoked: false; readonly why: string };

/** How long a removal waits for the server before it gives up on revoking the token (and says so). */
const REVOKE_WAIT_MS = 5_000;

/**
 * Forget a server: first its token is revoked on that server when it can be reached (a removed phone must not keep
 * a working key), then the token and the whole cache (sessions, messages, outbox) go from this phone.
 */
export async function removeProfile(id: string, opts: { readonly fetch?: typeof fetch; readonly revokeWaitMs?: number } = {}): Promise<RemoveOutcome> {
  const d = await db();
  const profile = await d.get('profiles', id);
  const outcome = profile ? await revokeOwnToken(profile, opts.fetch, opts.revokeWaitMs ?? REVOKE_WAIT_MS) : ({ revoked: 'already' } as const);
  await d.delete('profiles', id);
  if ((await d.get('prefs', 'activeProfileId')) === id) await d.delete('prefs', 'activeProfileId');
  // Another profile becomes active first: that stops this one's runtime, which closes its cache. Deleting a
  // database waits for every connection to close, so the other order waited forever on the runtime.
  await loadProfiles();
  await deleteCache(id);
  return outcome;
}

async function revokeOwnToken(profile: ServerProfile, fetchImpl: typeof fetch | undefined, waitMs: number): Promise<RemoveOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<RemoveOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ revoked: false, why: `the server did not answer within ${waitMs / 1000} s` }), waitMs);
  });
  const attempt = apiFor(profile, fetchImpl).call('revokeDevice', { id: profile.deviceId }).then(
    (): RemoveOutcome => ({ revoked: true }),
    (e: unknown): RemoveOutcome => (e instanceof ApiError && (e.status === 401 || e.status === 404) ? { revoked: 'already' } : { revoked: false, why: errorText(e) }),
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function profileForServer(server: string): ServerProfile | null {
  const norm = normalizeServer(server);
  if (!norm.ok) return null;
  return $profiles.get().find((p) => p.server === norm.server) ?? null;
}

export function apiFor(profile: ServerProfile, fetchImpl?: typeof fetch): ApiClient {
  return createApiClient({ server: profile.server, token: profile.token, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

function defaultName(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

function newProfileId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return `p${Array.from(b, (x) => x.toString(36).padStart(2, '0')).join('')}`;
}
