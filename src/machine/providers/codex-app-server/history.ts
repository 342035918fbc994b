// A Codex thread's history from its rollout (sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl): `response_item`
// messages of role user and assistant and the tool calls, without the context Codex injects as user messages.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOutcome, HistoryRequest } from '../backend.ts';
import { historyOf, jsonLines, said, textParts, toolSaid, type Said } from '../shared/history-reader.ts';
import { codexHome } from './rollouts.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Context Codex sends as a user message (`<environment_context>`, `<user_instructions>`, …): not the user's words. */
const INJECTED = /^<[a-z]+_[a-z_]+>/;

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort().reverse();
  } catch {
    return [];
  }
}

/** The rollout of a thread, newest days first. */
export async function findRollout(env: Env, threadId: string): Promise<string | null> {
  const root = join(codexHome(env), 'sessions');
  const suffix = `-${threadId}.jsonl`;
  for (const y of await list(root)) {
    for (const m of await list(join(root, y))) {
      for (const d of await list(join(root, y, m))) {
        const hit = (await list(join(root, y, m, d))).find((f) => f.startsWith('rollout-') && f.endsWith(suffix));
        if (hit) return join(root, y, m, d, hit);
      }
    }
  }
  return null;
}

function args(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function readCodexHistory(env: Env, request: HistoryRequest): Promise<HistoryOutcome> {
  return historyOf(request, async () => {
    const file = await findRollout(env, request.vendorId);
    if (!file) return null;
    const out: Said[] = [];
    for await (const line of jsonLines(file)) {
      if (line.type !== 'response_item') continue;
      const p = line.payload ?? {};
      if (p.type === 'message' && p.role === 'user') {
        const text = textParts(p.content, ['input_text']);
        if (text && !INJECTED.test(text.trimStart())) out.push(said('user', text, line.timestamp));
      } else if (p.type === 'message' && p.role === 'assistant') {
        out.push(said('agent', textParts(p.content, ['output_text']), line.timestamp));
      } else if (p.type === 'function_call' || p.type === 'custom_tool_call') {
        out.push(toolSaid(p.name, args(p.arguments ?? p.input), line.timestamp));
      } else if (p.type === 'local_shell_call') {
        out.push(toolSaid('shell', p.action?.command, line.timestamp));
      }
    }
    return out;
  }, 'the Codex rollouts');
}
