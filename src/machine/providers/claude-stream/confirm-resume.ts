// Proof that `claude --resume <id>` reopened <id> and did not fork: the session id it registered for itself.
import { readRegistryEntry, registryDir } from './live-sessions.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type Confirmation =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'vendor-id-mismatch' | 'vendor-error'; readonly detail: string; readonly forkId: string | null };

export interface ConfirmOptions {
  /** How long to wait, after `initialize` was answered, for the registry to name our id. */
  readonly settleMs: number;
  /** False once the process has gone (then the caller reports its exit instead). */
  readonly running: () => boolean;
  readonly pollMs?: number;
}

/**
 * Waits until $CLAUDE_CONFIG_DIR/sessions/<pid>.json names `vendorId`. Claude writes that file at start-up and
 * rewrites it whenever its session id changes; by the time it has answered `initialize` the conversation is
 * loaded, so a file that still names another id after `settleMs` is a fork (what `--fork-session` does, and what
 * `--resume` did before 1.0.124). Resolves null if the process exited first.
 */
export async function confirmResumedId(env: Env, pid: number, vendorId: string, o: ConfirmOptions): Promise<Confirmation | null> {
  const deadline = Date.now() + o.settleMs;
  let seen: string | null = null;
  for (;;) {
    if (!o.running()) return null;
    const entry = readRegistryEntry(env, pid);
    if (entry?.sessionId === vendorId) return { ok: true };
    if (entry) seen = entry.sessionId;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 25));
  }
  if (seen !== null) {
    return {
      ok: false, code: 'vendor-id-mismatch', forkId: seen,
      detail: `claude opened session ${seen} instead of ${vendorId} (it would have forked the conversation), so Baton stopped it`,
    };
  }
  return {
    ok: false, code: 'vendor-error', forkId: null,
    detail: `claude did not name its session in ${registryDir(env)}/${pid}.json within ${o.settleMs} ms, so Baton cannot confirm it reopened ${vendorId}`,
  };
}
