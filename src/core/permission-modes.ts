// How much an agent may do without asking, per backend: the modes a person picks at start and per session.
import type { Backend } from './providers.ts';

export interface PermissionModeOption {
  /** What the wire carries (and the vendor understands, e.g. Claude's `--permission-mode`). */
  readonly id: string;
  readonly label: string;
  /** One plain sentence: what the agent may do in this mode. */
  readonly detail: string;
}

/** Codex takes two settings; its mode id is `<approval policy>/<sandbox>`. */
export const CODEX_APPROVAL_POLICIES: readonly PermissionModeOption[] = [
  { id: 'untrusted', label: 'Ask for anything but safe reads', detail: 'Codex asks before every command that is not a known safe read.' },
  { id: 'on-request', label: 'Ask when it wants more', detail: 'Codex runs inside the sandbox and asks only to go beyond it.' },
  { id: 'never', label: 'Never ask', detail: 'Codex never asks; what the sandbox refuses fails.' },
];
export const CODEX_SANDBOXES: readonly PermissionModeOption[] = [
  { id: 'read-only', label: 'Read-only', detail: 'Commands can read files but not change them.' },
  { id: 'workspace-write', label: 'Write in the folder', detail: 'Commands can change files in the session’s folder, nowhere else.' },
  { id: 'danger-full-access', label: 'Full access', detail: 'Commands can change anything the machine’s user can.' },
];

const CLAUDE: readonly PermissionModeOption[] = [
  { id: 'default', label: 'Ask before tools', detail: 'Claude asks before each command and each file edit.' },
  { id: 'acceptEdits', label: 'Accept edits', detail: 'Claude edits files without asking; it still asks before commands.' },
  { id: 'plan', label: 'Plan only', detail: 'Claude reads and plans; it changes nothing and runs no commands until you approve its plan.' },
];

const OPENCODE: readonly PermissionModeOption[] = [
  { id: 'build', label: 'Build', detail: 'OpenCode’s build agent: edits and commands, asking where its config says to.' },
  { id: 'plan', label: 'Plan', detail: 'OpenCode’s plan agent: reads and plans, makes no changes.' },
];

/** Gemini CLI 0.61's ACP modes (its `session/new` lists them); other ACP agents name their own. */
const GEMINI: readonly PermissionModeOption[] = [
  { id: 'default', label: 'Ask before tools', detail: 'Gemini asks before each command and each edit.' },
  { id: 'autoEdit', label: 'Accept edits', detail: 'Gemini edits files without asking; it still asks before commands.' },
  { id: 'plan', label: 'Plan only', detail: 'Gemini reads and plans, and changes nothing.' },
  { id: 'yolo', label: 'Never ask', detail: 'Gemini runs every tool without asking.' },
];

const CODEX_COMBOS: readonly PermissionModeOption[] = CODEX_APPROVAL_POLICIES.flatMap((a) =>
  CODEX_SANDBOXES.map((s) => ({ id: `${a.id}/${s.id}`, label: `${a.label}, ${s.label.toLowerCase()}`, detail: `${a.detail} ${s.detail}` })),
);

/** The modes each backend offers; empty when it has none Baton can set (`codex-mcp`, or an ACP agent: it names its own). */
export const PERMISSION_MODES: Readonly<Record<Backend, readonly PermissionModeOption[]>> = {
  'claude-stream': CLAUDE,
  'codex-app-server': CODEX_COMBOS,
  'codex-mcp': [],
  'opencode-serve': OPENCODE,
  'gemini-acp': GEMINI,
  acp: [],
};

/** What each backend does when no mode was chosen (its vendor's own default). */
export const DEFAULT_PERMISSION_MODE: Readonly<Record<Backend, string | null>> = {
  'claude-stream': 'default',
  'codex-app-server': 'on-request/read-only',
  'codex-mcp': null,
  'opencode-serve': 'build',
  'gemini-acp': 'default',
  acp: null,
};

/** Mode ids an `acp` agent may name: its own, so only their shape is checked. */
const ACP_MODE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function isPermissionMode(backend: Backend, mode: string): boolean {
  if (backend === 'acp') return ACP_MODE_RE.test(mode);
  return PERMISSION_MODES[backend].some((m) => m.id === mode);
}

/** The mode in words for the session screen ("Accept edits — Claude edits files without asking; …"). */
export function describePermissionMode(backend: Backend, mode: string | null): PermissionModeOption | null {
  const id = mode ?? DEFAULT_PERMISSION_MODE[backend];
  if (id === null) return null;
  return PERMISSION_MODES[backend].find((m) => m.id === id) ?? { id, label: id, detail: `The agent’s own “${id}” mode.` };
}

/** Codex's two settings from its mode id. */
export function codexMode(mode: string | null): { approvalPolicy: string; sandbox: string } {
  const [approvalPolicy, sandbox] = (mode ?? DEFAULT_PERMISSION_MODE['codex-app-server']!).split('/');
  return { approvalPolicy: approvalPolicy ?? 'on-request', sandbox: sandbox ?? 'read-only' };
}

/** A frame's permission mode field: present only when one was chosen (absent: the vendor's default). */
export function permissionModeField(mode: string | null | undefined): { permissionMode?: string } {
  return mode ? { permissionMode: mode } : {};
}
