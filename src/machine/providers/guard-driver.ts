// The checks every backend gets around its driver: a usable cwd, inside the folders this machine allows
// (its own policy, whatever the server asked), before anything is spawned; and an exception (a spawn
// refusing its arguments, a driver bug) turned into a typed failure instead of a hang.
import type { MachinePolicy } from '../policy.ts';
import type { BackendDriver, ResumeOutcome, StartOutcome } from './backend.ts';
import { cwdProblem } from './shared/cwd-check.ts';

type Failure = { readonly ok: false; readonly code: 'cwd-invalid' | 'cwd-not-allowed' | 'vendor-error'; readonly detail: string };

/** `policy`: the machine's allowed folders; without one (a unit test of a driver) every usable folder is allowed. */
export function guardDriver(driver: BackendDriver, policy?: MachinePolicy): BackendDriver {
  const label = `the ${driver.backend} agent`;

  async function run<T extends StartOutcome | ResumeOutcome>(cwd: string, what: string, call: () => Promise<T>): Promise<T | Failure> {
    const before = cwdProblem(cwd);
    if (before) return { ok: false, code: 'cwd-invalid', detail: what === 'resume' ? `${before}; the session is not reopened elsewhere (restore the folder, then resume)` : before };
    const refused = policy?.cwdRefusal(cwd);
    if (refused) return { ok: false, code: 'cwd-not-allowed', detail: refused.slice(0, 2000) };
    let outcome: T;
    try {
      outcome = await call();
    } catch (e) {
      return { ok: false, code: 'vendor-error', detail: `${label} could not be started: ${e instanceof Error ? e.message : String(e)}`.slice(0, 2000) };
    }
    // A spawn into a folder removed a moment ago fails like a missing binary (ENOENT): say which it was.
    if (!outcome.ok && outcome.code === 'dependency-missing') {
      const after = cwdProblem(cwd);
      if (after) return { ok: false, code: 'cwd-invalid', detail: after };
    }
    return outcome;
  }

  return {
    backend: driver.backend,
    provider: driver.provider,
    supportsResume: driver.supportsResume,
    checkDependencies: () => driver.checkDependencies(),
    start: (o) => run(o.cwd, 'start', () => driver.start(o)),
    resume: (o) => run(o.cwd, 'resume', () => driver.resume(o)),
    listDirect: () => driver.listDirect(),
    ...(driver.holders ? { holders: driver.holders.bind(driver) } : {}),
    async readHistory(request) {
      try {
        return await driver.readHistory(request);
      } catch (e) {
        return { ok: false, code: 'vendor-error', detail: `reading the ${driver.backend} history failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 2000) };
      }
    },
  };
}
