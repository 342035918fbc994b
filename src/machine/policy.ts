// The machine's own policy, kept by the daemon whatever the server asks: the folders agents may work in
// (`baton daemon --allow-root DIR`, by default the user's home without its dot-directories). The server is
// trusted to route, not to pick where an agent runs: a start, resume or takeover outside is refused here.
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface MachinePolicy {
  /** The allowed roots, as given (resolved to absolute paths). */
  readonly roots: readonly string[];
  /** Whether these are the defaults (no --allow-root given). */
  readonly isDefault: boolean;
  /** Why an agent may not work in `cwd`, in a sentence that names it and says how to allow it; null when it may. */
  cwdRefusal(cwd: string): string | null;
  /** One line for `baton doctor` and the daemon's log. */
  describe(): string;
}

export interface PolicyOptions {
  /** `--allow-root` folders; empty or absent: the home. */
  readonly roots?: readonly string[];
  /** The user's home (the daemon's HOME); default os.homedir(). */
  readonly home?: string;
}

/** `BATON_ALLOW_ROOTS`: folders separated by the path-list delimiter, for a daemon started without flags (tests, services). */
export const ALLOW_ROOTS_VAR = 'BATON_ALLOW_ROOTS';

export function createPolicy(o: PolicyOptions = {}): MachinePolicy {
  const given = (o.roots ?? []).filter((r) => r.trim() !== '');
  const isDefault = given.length === 0;
  const roots = (isDefault ? [o.home ?? homedir()] : given).map((r) => resolve(r));
  // Compared as the file system sees them: a symlink into ~/.ssh is ~/.ssh.
  const real = roots.map(realOrSelf);

  return {
    roots,
    isDefault,
    cwdRefusal(cwd) {
      if (!isAbsolute(cwd) || cwd.includes('\0')) return null; // cwd-invalid says what is wrong with it
      const target = realOrSelf(resolve(cwd));
      const seen = target === resolve(cwd) ? '' : ` (it resolves to ${JSON.stringify(target)})`;
      let dotDir: string | null = null;
      for (const root of real) {
        const rel = relative(root, target);
        if (rel === '') return null;
        if (rel.startsWith('..') || isAbsolute(rel)) continue;
        // Below a root, a dot-directory (~/.ssh, ~/.config, a repo's .git) holds keys and settings, not work.
        const hidden = rel.split(sep).find((part) => part.startsWith('.'));
        if (!hidden) return null;
        dotDir ??= `${root}${sep}${rel.split(sep).slice(0, rel.split(sep).indexOf(hidden) + 1).join(sep)}`;
      }
      const named = `the working directory ${JSON.stringify(cwd)}${seen}`;
      return dotDir !== null
        ? `${named} is inside the dot-directory ${JSON.stringify(dotDir)}, where this machine lets no agent work; to allow it, run \`baton daemon --allow-root ${dotDir}\` on that machine`
        : `${named} is outside the folders this machine lets agents work in (${describeRoots(roots)}); to allow it, run \`baton daemon --allow-root <folder>\` on that machine`;
    },
    describe: () => `agents may work in ${describeRoots(roots)}, not in dot-directories below ${roots.length > 1 ? 'them' : 'it'}${isDefault ? ' (the default: your home; change it with `baton daemon --allow-root DIR`)' : ' (--allow-root)'}`,
  };
}

function describeRoots(roots: readonly string[]): string {
  return roots.map((r) => JSON.stringify(r)).join(', ');
}

function realOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path; // not there (yet): judged by its name; a start in it fails cwd-invalid anyway
  }
}
