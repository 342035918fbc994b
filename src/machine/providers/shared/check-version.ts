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
            const tail = String(stderr || stdout).trim().slice(-300);
            resolve({ installed: false, detail: `${check.command} --version failed${tail ? `: ${tail}` : ''}` });
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

/** The capability of a backend that can resume whenever its CLI is installed. */
export async function resumableCapability(check: VersionCheck): Promise<BackendCapability> {
  const r = await checkVersion(check);
  return r.installed
    ? { installed: true, version: r.version, canResume: true, detail: null }
    : { installed: false, version: null, canResume: false, detail: r.detail };
}
