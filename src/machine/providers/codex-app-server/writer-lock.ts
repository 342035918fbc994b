// Codex's own mark of a thread in use: the process writing it holds an flock on $CODEX_HOME/thread-writer-locks/<id>.lock.
import { join } from 'node:path';
import { flockHolders } from '../../process-scan.ts';
import { codexHome } from './rollouts.ts';

export function writerLockPath(env: Readonly<Record<string, string | undefined>>, threadId: string): string {
  return join(codexHome(env), 'thread-writer-locks', `${threadId}.lock`);
}

/**
 * Pids holding the thread's writer lock (Linux; elsewhere none, and the open-file scan is all there is). The file
 * itself proves nothing: Codex removes it on a clean exit, a killed one leaves it unlocked.
 */
export function writerLockHolders(env: Readonly<Record<string, string | undefined>>, threadId: string): number[] {
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(threadId)) return [];
  return flockHolders(writerLockPath(env, threadId)).filter((pid) => pid !== process.pid);
}
