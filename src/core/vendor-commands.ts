// Commands a person can run on a session's machine with the vendor's own CLI (checked against Claude Code
// 2.1.197, Codex 0.171.0, OpenCode 1.18.33 and Gemini CLI 0.61.0): open a session there, install the CLI.
import type { Provider } from './providers.ts';

/** Single-quoted for a POSIX shell. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const OPEN: Readonly<Record<Provider, (id: string) => string>> = {
  claude: (id) => `claude --resume ${sh(id)}`,
  codex: (id) => `codex resume ${sh(id)}`,
  opencode: (id) => `opencode --session ${sh(id)}`,
  gemini: (id) => `gemini --resume ${sh(id)}`,
  // A configured ACP agent has no command Baton knows for reopening a session: its own client does that.
  acp: (id) => `# open session ${sh(id)} in your ACP agent's own client`,
};

/** Reopens the vendor session in its own CLI, in its folder (the vendors look sessions up per project). */
export function openInVendorCli(provider: Provider, vendorId: string, cwd: string): string {
  return `cd ${sh(cwd)} && ${OPEN[provider](vendorId)}`;
}

export const INSTALL_COMMAND: Readonly<Record<Provider, string>> = {
  claude: 'npm i -g @anthropic-ai/claude-code',
  codex: 'npm i -g @openai/codex',
  opencode: 'npm i -g opencode-ai',
  gemini: 'npm i -g @google/gemini-cli',
  acp: 'install your ACP agent, then: baton daemon --acp-agent "<command> <args>"',
};
