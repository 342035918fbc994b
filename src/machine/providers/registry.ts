// Maps each backend to its driver factory and finds each vendor executable: BATON_<PROVIDER>_PATH, else PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { BACKENDS, BACKEND_INFO, type Backend, type Provider } from '../../core/index.ts';
import { createPolicy, type MachinePolicy } from '../policy.ts';
import type { BackendDriver, DriverEnv } from './backend.ts';
import { guardDriver } from './guard-driver.ts';

type Factory = (env: DriverEnv) => BackendDriver;

/** Each backend's factory, loaded lazily (a daemon loads only what it uses; a broken driver spoils only itself). */
const FACTORIES: Readonly<Record<Backend, () => Promise<Factory>>> = {
  'claude-stream': () => import('./claude-stream/index.ts').then((m) => m.createClaudeStreamDriver),
  'codex-app-server': () => import('./codex-app-server/index.ts').then((m) => m.createCodexAppServerDriver),
  'codex-mcp': () => import('./codex-mcp/index.ts').then((m) => m.createCodexMcpDriver),
  'opencode-serve': () => import('./opencode-serve/index.ts').then((m) => m.createOpencodeServeDriver),
  'gemini-acp': () => import('./gemini-acp/index.ts').then((m) => m.createGeminiAcpDriver),
  acp: () => import('./acp/index.ts').then((m) => m.createConfiguredAcpDriver),
};

export const PATH_OVERRIDE_VARS: Readonly<Record<Provider, string>> = {
  claude: 'BATON_CLAUDE_PATH',
  codex: 'BATON_CODEX_PATH',
  opencode: 'BATON_OPENCODE_PATH',
  gemini: 'BATON_GEMINI_PATH',
  // Not a path: the whole command line of the ACP agent (`baton daemon --acp-agent` remembers one).
  acp: 'BATON_ACP_AGENT',
};

export const DEFAULT_DRIVER_TIMEOUT_MS = 30_000;

/**
 * The executable a provider runs: the override variable if set, else the first executable match on
 * PATH, else the bare name (the driver then reports it as not installed).
 */
export function resolveCommand(provider: Provider, env: Readonly<Record<string, string | undefined>>): string {
  const override = env[PATH_OVERRIDE_VARS[provider]];
  if (override) return override;
  if (provider === 'acp') return ''; // no agent configured: the driver says so
  const name = BACKEND_INFO[BACKENDS.find((b) => BACKEND_INFO[b].provider === provider)!].command;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return name;
}

export interface RegistryOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Start/resume timeout handed to every driver; BATON_DRIVER_TIMEOUT_MS overrides the default. */
  readonly timeoutMs?: number;
  readonly backends?: readonly Backend[];
  /** The folders agents may work in; default the env's HOME without its dot-directories. */
  readonly policy?: MachinePolicy;
}

/**
 * PATH without empty or relative entries. Such an entry is looked up from the agent's working directory, so a
 * repository holding an executable named `claude` would run in place of the vendor's: the daemon runs only the
 * binaries its own configuration names, never one a folder the server picked provides.
 */
export function safePath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return path.split(delimiter).filter((dir) => dir !== '' && isAbsolute(dir)).join(delimiter);
}

export function loadDriverFactory(backend: Backend): Promise<Factory> {
  return FACTORIES[backend]();
}

/** One driver per backend. A backend whose driver cannot load is left out and reported as missing. */
export async function createDrivers(o: RegistryOptions): Promise<{ drivers: Map<Backend, BackendDriver>; failures: Map<Backend, string> }> {
  const envTimeout = Number(o.env.BATON_DRIVER_TIMEOUT_MS);
  const timeoutMs = o.timeoutMs ?? (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : DEFAULT_DRIVER_TIMEOUT_MS);
  const drivers = new Map<Backend, BackendDriver>();
  const failures = new Map<Backend, string>();
  const env = o.env.PATH === undefined ? o.env : { ...o.env, PATH: safePath(o.env.PATH) };
  const policy = o.policy ?? createPolicy({ home: o.env.HOME ?? homedir() });
  for (const backend of o.backends ?? BACKENDS) {
    try {
      const factory = await loadDriverFactory(backend);
      // Every driver behind the same guard: a usable cwd inside the allowed folders before any spawn, exceptions turned into typed failures.
      drivers.set(backend, guardDriver(factory({ command: resolveCommand(BACKEND_INFO[backend].provider, env), env, timeoutMs }), policy));
    } catch (e) {
      failures.set(backend, `the ${backend} driver could not load: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { drivers, failures };
}
