// Dependency check shared by the drivers: run `<command> --version` with a short deadline; never throws.
import { execFile } from 'node:child_process';
import type { BackendCapability } from '../../../core/index.ts';

export interface VersionCheck {
  readonly command: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What to tell the user to install, e.g. `npm i -g @anthropic-ai/claude-code`. */
  readonly installHint: string;
  readonly timeoutMs?: number;
}

export function checkVersion(check: VersionCheck): Promise<{ installed: true; version: string } | { installed: false; detail: string }> {
  return new Promise((resolve) => {
    try {
      execFile(check.command, ['--version'], { env: check.env as NodeJS.ProcessEnv, timeout: check.timeoutMs ?? 5000, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          if (e.code === 'ENOENT' || e.code === 'EACCES') {
            resolve({ installed: false, detail: `${check.command} is not installed (${check.installHint})` });
          } else if (e.killed) {
            resolve({ installed: false, detail: `${check.command} --version did not answer in time` });
          } else {
            const why = usefulLine(String(stderr || stdout));
            resolve({ installed: false, detail: `${check.command} --version failed${why ? `: ${why}` : ''}` });
          }
          return;
        }
        const version = String(stdout).trim().split('\n')[0] ?? '';
        resolve({ installed: true, version: version.slice(0, 200) });
      });
    } catch (err) {
      resolve({ installed: false, detail: `${check.command} could not be run: ${(err as Error).message}` });
    }
  });
}

/**
 * One line that says why a CLI failed: the first line naming an error, else the first non-empty one. A
 * crashing Node CLI prints a whole stack; its tail (the Node version, frames) would tell the user nothing.
 */
export function usefulLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const line = lines.find((l) => /\berror\b/i.test(l)) ?? lines[0] ?? '';
  return line.slice(0, 300);
}

/** The capability of a backend that can resume whenever its CLI is installed. */
export async function resumableCapability(check: VersionCheck): Promise<BackendCapability> {
  const r = await checkVersion(check);
  return r.installed
    ? { installed: true, version: r.version, canResume: true, detail: null }
    : { installed: false, version: null, canResume: false, detail: r.detail };
}
