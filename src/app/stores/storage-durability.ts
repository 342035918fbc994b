// Whether the browser keeps this phone's data (the outbox above all) under storage pressure, and asking it to.
import { atom } from 'nanostores';

export type StorageDurability =
  /** The browser promised not to evict this origin's storage. */
  | 'kept'
  /** Best effort: the browser may clear it when the device runs short of space (it said no, or has not been asked). */
  | 'best-effort'
  /** No `navigator.storage.persist` (WebKit): nothing to ask; the data is best effort. */
  | 'unsupported';

export const $storageDurability = atom<StorageDurability | null>(null);

type StorageLike = { persisted?: () => Promise<boolean>; persist?: () => Promise<boolean> } | undefined;
const storage = (): StorageLike => (typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageLike));

/** What the browser says now, without asking anything. */
export async function checkStorageDurability(): Promise<StorageDurability> {
  const s = storage();
  const d: StorageDurability = !s?.persist ? 'unsupported' : (await s.persisted?.().catch(() => false)) ? 'kept' : 'best-effort';
  $storageDurability.set(d);
  return d;
}

let asked = false;
/** Ask once per page, when the user first queues a message (the moment the data starts to matter). */
export async function askToKeepStorage(): Promise<StorageDurability> {
  const s = storage();
  if (!s?.persist) return checkStorageDurability();
  if (asked) return $storageDurability.get() ?? checkStorageDurability();
  asked = true;
  const kept = await s.persist().catch(() => false);
  $storageDurability.set(kept ? 'kept' : 'best-effort');
  return kept ? 'kept' : 'best-effort';
}

export const DURABILITY_TEXT: Readonly<Record<StorageDurability, string>> = {
  kept: 'Kept: the browser will not clear this phone’s cache and queued messages to free space.',
  'best-effort': 'Best effort: the browser may clear this phone’s cache and queued messages if the device runs short of space.',
  unsupported: 'This browser cannot be asked to keep them (no storage.persist): they are kept on a best-effort basis.',
};
