// Fault switches for the fakes: env BATON_FAKE_FAULTS plus the file $BATON_FAKE_STATE_DIR/faults, re-read on every call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './record.mjs';

/**
 * Known names (see the preamble): unknown-id, other-id, crash-on-resume, hang, slow-start, permission, crash-on-turn,
 * no-load-session, prompt-error, stuck-on-exit (gemini only), no-mcp-server (codex only: behaves like Codex 0.169.0, which has no `mcp-server`).
 * Turn outcomes as the real CLIs show them offline (claude, codex): auth-failed (not logged in), api-retry (retries,
 * then answers), vendor-gave-up (retries, then fails), slow-turn (answers after BATON_FAKE_TURN_MS, so an interrupt
 * can land). Claude only: init-other-id (its registry names the resumed id, its first turn another), registry-lag
 * (the registry names the resumed id only after `initialize` was answered). OpenCode only: retry (two retries, then
 * answers), give-up (retries five times, then fails). Every fake: rich (a turn with markdown, commands with output,
 * an edit and a checklist in its CLI's shapes, test/fakes/lib/rich.mjs), long-permission (Claude, Codex: the
 * permission step asks about a command padded to hide its tail).
 */
export const FAULT_NAMES = [
  'unknown-id', 'other-id', 'crash-on-resume', 'hang', 'slow-start', 'permission', 'crash-on-turn', 'no-load-session', 'no-mcp-server',
  'auth-failed', 'api-retry', 'vendor-gave-up', 'slow-turn', 'init-other-id', 'registry-lag',
  'prompt-error', 'stuck-on-exit', 'retry', 'give-up', 'rich', 'long-permission',
];

function parse(text) {
  return text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The active faults now (env ∪ file). Call it again before each resume: tests flip the file between calls. */
export function faults() {
  const set = new Set(parse(process.env.BATON_FAKE_FAULTS ?? ''));
  const dir = stateDir();
  if (dir) {
    try {
      for (const f of parse(readFileSync(join(dir, 'faults'), 'utf8'))) set.add(f);
    } catch {
      // no faults file: no file faults
    }
  }
  return set;
}

export function hasFault(name) {
  return faults().has(name);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Applies the handshake faults every fake shares: `hang` never returns, `slow-start` waits BATON_FAKE_SLOW_MS (default 1500). */
export async function handshakeDelay() {
  const f = faults();
  if (f.has('hang')) await hangForever();
  if (f.has('slow-start')) await sleep(Number(process.env.BATON_FAKE_SLOW_MS ?? 1500));
}

/** Keeps the process alive forever without busy-waiting (for `hang`). */
export function hangForever() {
  setInterval(() => {}, 1 << 30);
  return new Promise(() => {});
}
