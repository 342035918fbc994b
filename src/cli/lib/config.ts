// Where the CLI keeps its state: $BATON_HOME (default ~/.baton) with cli.json {serverUrl, token} and
// daemon.json {serverUrl, token, name, machineId}, both 0600.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readJsonFile, writeJsonFileAtomic } from '../../machine/json-file.ts';
import { CliError } from './cli-error.ts';

export interface CliConfig {
  readonly serverUrl: string;
  readonly token: string;
}

export interface DaemonConfig {
  readonly serverUrl: string;
  readonly token: string;
  readonly name: string;
  /** The ACP agent the `acp` backend runs (`command args…`), from `baton daemon --acp-agent`. */
  readonly acpAgent?: string;
  /** The folders agents may work in, from `baton daemon --allow-root` (absent: the home without dot-directories). */
  readonly allowRoots?: readonly string[];
  readonly machineId?: string | null;
}

export function batonHome(override?: string): string {
  return resolve(override ?? process.env.BATON_HOME ?? join(homedir(), '.baton'));
}

export const cliConfigPath = (home: string) => join(home, 'cli.json');
export const daemonConfigPath = (home: string) => join(home, 'daemon.json');

export function readCliConfig(home: string): CliConfig | null {
  return readJsonFile<CliConfig>(cliConfigPath(home));
}

export function writeCliConfig(home: string, c: CliConfig): void {
  writeJsonFileAtomic(cliConfigPath(home), c);
}

export function readDaemonConfig(home: string): DaemonConfig | null {
  return readJsonFile<DaemonConfig>(daemonConfigPath(home));
}

export function writeDaemonConfig(home: string, c: DaemonConfig): void {
  writeJsonFileAtomic(daemonConfigPath(home), c);
}

/** The CLI's server and token, or a clear line on how to get them. */
export function requireCliConfig(home: string): CliConfig {
  const c = readCliConfig(home);
  if (!c?.serverUrl || !c.token) {
    throw new CliError(`no server configured in ${cliConfigPath(home)}: run \`baton up\` on this machine, or \`baton pair\` with a code from your server`);
  }
  return c;
}

/** The API client for this home's CLI config. */
export async function apiFor(homeOverride?: string) {
  const { createApiClient } = await import('./api-client.ts');
  const c = requireCliConfig(batonHome(homeOverride));
  return createApiClient(c.serverUrl, c.token);
}
