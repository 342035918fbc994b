// The fakes' record of vendor sessions: one JSON line per created/resumed/refused session, so tests can prove a resume forked nothing.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The state dir tests point the fakes at, or null when unset (then nothing is recorded). */
export function stateDir() {
  const dir = process.env.BATON_FAKE_STATE_DIR;
  return dir && dir.length > 0 ? dir : null;
}

/**
 * Appends `{event, vendorId, cwd, pid, at}` to `$BATON_FAKE_STATE_DIR/<provider>-record.jsonl`.
 * event: 'created' | 'resumed' | 'resume-refused'. Synchronous so a crash right after cannot lose it.
 */
export function record(provider, event, vendorId, cwd = process.cwd(), extra = {}) {
  const dir = stateDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const line = { event, vendorId, cwd, pid: process.pid, at: Date.now(), ...extra };
  appendFileSync(join(dir, `${provider}-record.jsonl`), JSON.stringify(line) + '\n');
}

/** Reads a provider's record (for tests written in plain JS; TS tests use test/helpers/fake-env.ts). */
export function readRecord(provider, dir = stateDir()) {
  if (!dir) return [];
  try {
    return readFileSync(join(dir, `${provider}-record.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
