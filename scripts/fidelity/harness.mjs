// Harness for the opt-in fidelity check: throw-away sandboxes, child processes driven over JSON lines, and verdicts.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = mkdtempSync(join(tmpdir(), 'baton-fidelity-'));
export const cleanupAll = () => rmSync(ROOT, { recursive: true, force: true });

/**
 * A fresh HOME / CLAUDE_CONFIG_DIR / CODEX_HOME and a cwd whose path has `@ + # . _` and a space
 * (so Claude's project-folder rule is exercised). Telemetry and auto-update are off.
 */
export function sandbox() {
  const dir = mkdtempSync(join(ROOT, 'run-'));
  const home = join(dir, 'home');
  const cwd = join(dir, 'my@proj+1 #x.v2_y');
  for (const d of [home, cwd, join(home, '.claude'), join(home, '.codex'), join(dir, 'state')]) mkdirSync(d, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    CODEX_HOME: join(home, '.codex'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    BATON_FAKE_STATE_DIR: join(dir, 'state'),
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
    TERM: 'dumb',
  };
  return { dir, home, cwd, env };
}

/** Runs `bin args` in a sandbox, talking JSON lines; always reaps the whole process group. */
export function launch(bin, args, { cwd, env, deadlineMs = 30_000 }) {
  const child = spawn(bin, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const lines = [];
  const raw = [];
  let stderr = '';
  const waiters = new Set();
  const poke = () => {
    for (const w of waiters) w();
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    raw.push(l);
    try {
      lines.push(JSON.parse(l));
    } catch {
      // not JSON (e.g. --version); kept in raw
    }
    poke();
  });
  child.stdin.on('error', () => {});
  const exited = new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let exit = null;
  void exited.then((e) => ((exit = e), poke()));
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const hardStop = setTimeout(() => killGroup('SIGKILL'), deadlineMs);
  return {
    pid: child.pid,
    lines,
    raw,
    get stderr() {
      return stderr;
    },
    send(value) {
      if (!child.stdin.destroyed) child.stdin.write(JSON.stringify(value) + '\n');
    },
    /** Resolves true once pred(lines) holds or the process exited with it holding; false at the timeout. */
    waitFor(pred, ms = 15_000) {
      return new Promise((resolve) => {
        const check = () => {
          if (pred(lines)) return done(true);
          if (exit) return done(false);
        };
        const timer = setTimeout(() => done(false), ms);
        const done = (v) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(v);
        };
        waiters.add(check);
        check();
      });
    },
    /** Closes stdin, waits up to graceMs for a voluntary exit, then kills the group. */
    async close(graceMs = 5000) {
      child.stdin.end();
      const t = setTimeout(() => killGroup('SIGTERM'), graceMs);
      const t2 = setTimeout(() => killGroup('SIGKILL'), graceMs + 2000);
      const e = await exited;
      clearTimeout(t);
      clearTimeout(t2);
      clearTimeout(hardStop);
      killGroup('SIGKILL'); // strays (e.g. a native child of a node wrapper)
      return { ...e, lines, raw, stderr };
    },
    exited,
  };
}

/** Runs a command to completion with empty stdin (argument errors, --version, help). */
export async function runOnce(bin, args, box, ms = 30_000) {
  const p = launch(bin, args, { cwd: box.cwd, env: box.env, deadlineMs: ms });
  return p.close(ms);
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keys of `fake` that `real` lacks: a fake must never invent fields the real CLI does not send. */
export function inventedKeys(fake, real, path = '') {
  if (!isObj(fake) || !isObj(real)) return [];
  const out = [];
  for (const k of Object.keys(fake)) {
    if (!(k in real)) out.push(`${path}${k}`);
    else if (isObj(fake[k]) && isObj(real[k])) out.push(...inventedKeys(fake[k], real[k], `${path}${k}.`));
  }
  return out;
}
const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects verdicts: a check compares the same projection of the fake's and the real CLI's behaviour. */
export class Report {
  constructor() {
    this.rows = [];
  }
  compare(name, fake, real) {
    const f = JSON.stringify(fake);
    const r = JSON.stringify(real);
    this.add(name, f === r ? 'MATCH' : 'MISMATCH', f === r ? null : `fake: ${f}\n      real: ${r}`);
  }
  add(name, verdict, detail = null) {
    this.rows.push({ name, verdict, detail });
    console.log(`[${verdict}] ${name}`);
    if (detail) console.log(`      ${detail.slice(0, 1500)}`);
  }
  skip(name, why) {
    this.add(name, 'SKIP', why);
  }
  get mismatches() {
    return this.rows.filter((r) => r.verdict === 'MISMATCH').length;
  }
}
