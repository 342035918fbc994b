// The acp backend: the ACP agent this machine configured (`baton daemon --acp-agent "command args…"` or BATON_ACP_AGENT).
import type * as acp from '@agentclientprotocol/sdk';
import type { BackendCapability } from '../../../core/index.ts';
import type { BackendDriver, DriverEnv } from '../backend.ts';
import { describeRpcError } from './connection.ts';
import { createAcpDriver } from './driver.ts';

export const NOT_CONFIGURED = 'no ACP agent is configured on this machine: run `baton daemon --acp-agent "COMMAND ARGS…"` (or set BATON_ACP_AGENT)';

/** Splits a command line into words; double or single quotes keep spaces, a backslash escapes one character. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && quote !== "'" && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (quote) {
      if (c === quote) quote = null;
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

// ACP's "Resource not found" (-32002), or an agent's own words for an unknown session.
const NOT_FOUND = /not found|no such session|unknown session|invalid session|no previous sessions/i;
const classifyLoadError = (err: acp.RequestError) =>
  err.code === -32002 || (err.code !== -32601 && NOT_FOUND.test(describeRpcError(err))) ? 'vendor-not-found' : 'vendor-error';

export function createConfiguredAcpDriver(env: DriverEnv): BackendDriver {
  const [command, ...args] = splitCommandLine(env.command);
  if (!command) {
    const missing: BackendCapability = { installed: false, version: null, canResume: false, detail: NOT_CONFIGURED };
    const refuse = async () => ({ ok: false as const, code: 'dependency-missing' as const, detail: NOT_CONFIGURED });
    return {
      backend: 'acp', provider: 'acp', supportsResume: true, checkDependencies: async () => missing, start: refuse, resume: refuse, listDirect: async () => [],
      readHistory: async () => ({ ok: false as const, code: 'dependency-missing' as const, detail: NOT_CONFIGURED }),
    };
  }
  const name = command.split('/').pop()!;
  // The method the user named (BATON_ACP_AUTH_METHOD), when the agent lists it; otherwise the agent's settings decide.
  const wanted = env.env.BATON_ACP_AUTH_METHOD;
  return createAcpDriver(env, {
    backend: 'acp',
    provider: 'acp',
    spec: async () => ({ name, command, args, installHint: `the agent's own installer, then baton daemon --acp-agent "${env.command}"` }),
    // Not every agent has `--version`; the ACP handshake says its name and version instead.
    hasVersionFlag: false,
    authMethod: (methods) => (wanted && methods.some((m) => m.id === wanted) ? wanted : null),
    classifyLoadError,
    // An agent's own session store is its business: nothing to list without starting it.
    listDirect: async () => [],
  });
}
