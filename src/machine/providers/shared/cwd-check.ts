// Whether a working directory can host an agent: absolute, a valid path, an existing directory we may enter.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Why `cwd` cannot be an agent's working directory, in words that name it; null when it can. */
export function cwdProblem(cwd: string): string | null {
  const named = `the working directory ${JSON.stringify(cwd)}`;
  if (cwd.length === 0 || cwd.includes('\0')) return `${named} is not a valid path`;
  if (!isAbsolute(cwd)) return `${named} is a relative path; an agent needs an absolute one`;
  try {
    if (!statSync(cwd).isDirectory()) return `${named} is not a directory`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${named} does not exist on this machine`;
    if (code === 'ENOTDIR') return `${named} does not exist on this machine (a part of it is a file)`;
    if (code === 'EACCES' || code === 'EPERM') return `${named} cannot be read by the daemon (permission denied)`;
    return `${named} is not a valid path (${code ?? String(e)})`;
  }
  try {
    accessSync(cwd, constants.X_OK);
  } catch {
    return `${named} cannot be entered by the daemon (permission denied)`;
  }
  return null;
}
