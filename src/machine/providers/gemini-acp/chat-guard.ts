// Guards a Gemini chat against two Gemini CLI bugs hit by reopening it (seen with 0.61): see docs/vendor-protocols.md.
import { unlink } from 'node:fs/promises';
import type { VendorId } from '../../../core/index.ts';
import { readChatFiles } from './chat-store.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The minute Gemini stamps into a chat file's name: `session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl`, in UTC. */
export const fileMinute = (at: number): string => new Date(at).toISOString().slice(0, 16).replace(/:/g, '-');

/**
 * Bug 1: `session/load` first records a fresh start-up chat in `session-<now>-<id8>.jsonl`. Within the
 * minute the chat was created that is the chat's own file, and the start-up record's `$set messages`
 * wipes its history (the load then fails "No previous sessions found"). True when a load now would do that.
 */
export async function loadWouldWipe(env: Env, vendorId: VendorId, at = Date.now()): Promise<boolean> {
  const name = `session-${fileMinute(at)}-${vendorId.slice(0, 8)}`;
  return (await readChatFiles(env)).some((f) => f.chat.id === vendorId && f.name.startsWith(name));
}

/** Milliseconds until the next minute starts (when a load no longer collides), plus a safety second. */
export const msToNextMinute = (at = Date.now()): number => 60_000 - (at % 60_000) + 1_000;

/**
 * Bug 2: in a later minute that start-up record stays behind as a second file with the same 8-character
 * prefix and no conversation in it. Gemini's start-up clean-up deletes every file with the prefix of a
 * chat it finds empty, so the next Gemini start in that project deletes the real history too. Remove the
 * empty duplicates of a chat that has a real file (never a chat's only file, never one with a message).
 */
export async function removeEmptyDuplicates(env: Env, vendorId: VendorId): Promise<string[]> {
  const mine = (await readChatFiles(env)).filter((f) => f.chat.id === vendorId);
  if (!mine.some((f) => f.chat.resumable)) return [];
  const removed: string[] = [];
  for (const f of mine.filter((x) => !x.chat.resumable)) {
    try {
      await unlink(f.path);
      removed.push(f.name);
    } catch {
      // already gone
    }
  }
  return removed;
}
