// A Claude Code session's history from its transcript (projects/<folder>/<id>.jsonl): the user's own
// messages, Claude's text and its tool uses; meta lines, sidechains (subagents) and tool results left out.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOutcome, HistoryRequest } from '../backend.ts';
import { historyOf, jsonLines, said, textParts, toolSaid, type Said } from '../shared/history-reader.ts';
import { claudeConfigDir, transcriptPath } from './transcripts.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Output of slash commands the CLI records as user lines: not something the user said to the agent. */
const COMMAND_ECHO = /^<(command-name|command-message|command-args|local-command-stdout|local-command-stderr)>/;

/** The transcript file: where the cwd says, else whichever project folder holds `<id>.jsonl` (folder rules change between releases). */
async function findTranscript(env: Env, cwd: string, vendorId: string): Promise<string | null> {
  const expected = transcriptPath(env, cwd, vendorId);
  if (existsSync(expected)) return expected;
  const root = join(claudeConfigDir(env), 'projects');
  let dirs: string[];
  try {
    dirs = await readdir(root);
  } catch {
    return null;
  }
  for (const d of dirs) {
    const p = join(root, d, `${vendorId}.jsonl`);
    if (existsSync(p)) return p;
  }
  return null;
}

export function readClaudeHistory(env: Env, request: HistoryRequest): Promise<HistoryOutcome> {
  return historyOf(request, async () => {
    const file = await findTranscript(env, request.cwd, request.vendorId);
    if (!file) return null;
    const out: Said[] = [];
    for await (const line of jsonLines(file)) {
      if (line.isSidechain === true || line.isMeta === true || line.isCompactSummary === true) continue;
      const content = line.message?.content;
      if (line.type === 'user' && line.message?.role === 'user') {
        const text = textParts(content, ['text']);
        if (text && !COMMAND_ECHO.test(text.trimStart())) out.push(said('user', text, line.timestamp));
      } else if (line.type === 'assistant' && Array.isArray(content)) {
        for (const block of content) {
          if (block?.type === 'text' && typeof block.text === 'string') out.push(said('agent', block.text, line.timestamp));
          else if (block?.type === 'tool_use') out.push(toolSaid(block.name, block.input, line.timestamp));
        }
      }
    }
    return out;
  }, 'the Claude transcripts');
}
