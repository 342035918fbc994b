// Providers (whose agent) and backends (how Baton drives it), and what each backend can do.

/** `acp`: any agent that speaks the Agent Client Protocol, run by the command its machine configures. */
export const PROVIDERS = ['claude', 'codex', 'opencode', 'gemini', 'acp'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const BACKENDS = ['claude-stream', 'codex-app-server', 'codex-mcp', 'opencode-serve', 'gemini-acp', 'acp'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface BackendInfo {
  readonly provider: Provider;
  /** Whether the backend can reopen a vendor session by id at all (independent of what is installed). */
  readonly supportsResume: boolean;
  /** The executable the backend runs; found on PATH unless overridden per provider (`acp`: none, the machine configures it). */
  readonly command: string;
  readonly label: string;
}

export const BACKEND_INFO: Readonly<Record<Backend, BackendInfo>> = {
  'claude-stream': { provider: 'claude', supportsResume: true, command: 'claude', label: 'Claude Code (stream-json)' },
  'codex-app-server': { provider: 'codex', supportsResume: true, command: 'codex', label: 'Codex app-server' },
  'codex-mcp': { provider: 'codex', supportsResume: false, command: 'codex', label: 'Codex MCP (fresh sessions only)' },
  'opencode-serve': { provider: 'opencode', supportsResume: true, command: 'opencode', label: 'OpenCode serve' },
  'gemini-acp': { provider: 'gemini', supportsResume: true, command: 'gemini', label: 'Gemini CLI (ACP)' },
  // Gemini sessions stay on `gemini-acp` (the Gemini preset of the same driver), so stored sessions keep resuming.
  acp: { provider: 'acp', supportsResume: true, command: '', label: 'ACP agent (configured on the machine)' },
};

export const DEFAULT_BACKEND: Readonly<Record<Provider, Backend>> = {
  claude: 'claude-stream',
  codex: 'codex-app-server',
  opencode: 'opencode-serve',
  gemini: 'gemini-acp',
  acp: 'acp',
};

export function backendsOf(provider: Provider): Backend[] {
  return BACKENDS.filter((b) => BACKEND_INFO[b].provider === provider);
}

export function isBackendOf(provider: Provider, backend: Backend): boolean {
  return BACKEND_INFO[backend].provider === provider;
}

/** What a machine reports about one backend in its hello. */
export interface BackendCapability {
  readonly installed: boolean;
  readonly version: string | null;
  /** Installed and able to reopen a session by id on this machine (e.g. ACP agent advertises loadSession). */
  readonly canResume: boolean;
  /** Why not, in words, when it is not installed or cannot resume. */
  readonly detail: string | null;
}

export type MachineCapabilities = Partial<Record<Backend, BackendCapability>>;
