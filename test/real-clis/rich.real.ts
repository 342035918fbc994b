// Structured events through Baton's own drivers against the REAL Claude Code and Codex (opt-in: `npm run
// test:real-clis`), a loopback model stub answering with tool calls: commands with their output and exit code, edits
// with their diff, approvals carrying the whole input, streamed text. What the fakes' `rich` turn plays.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summarizeInput, type FileChange } from '../../src/core/index.ts';
import type { AgentHandle, DriverEvent } from '../../src/machine/providers/backend.ts';
import { createClaudeStreamDriver } from '../../src/machine/providers/claude-stream/index.ts';
import { createCodexAppServerDriver } from '../../src/machine/providers/codex-app-server/index.ts';
import { EventLog, texts } from '../machine/backend-contract.ts';
import { anthropicScriptStub, responsesScriptStub, type ScriptStep, type ScriptStub } from './lib/model-stubs.ts';
import { codexUsesStub, realCli, sandbox, type Sandbox } from './lib/sandbox.ts';

type ToolCall = Extract<DriverEvent, { kind: 'tool-call' }>;
let box: Sandbox | null = null;
let stub: ScriptStub | null = null;
let handle: AgentHandle | null = null;
afterEach(async () => {
  await handle?.stop();
  await stub?.close();
  box?.cleanup();
  handle = null;
  stub = null;
  box = null;
});

/** Sends one message, answers every approval with Allow, and returns the turn's events once it ended. */
async function turnAllowing(h: AgentHandle, text: string): Promise<DriverEvent[]> {
  const log = new EventLog(h);
  const asked: string[] = [];
  const off = h.onEvent((e) => {
    if (e.kind === 'permission-request') {
      asked.push(e.permissionId);
      void h.answerPermission(e.permissionId, 'allow');
    }
  });
  await h.send(text);
  await log.next('turn-end', 0, 120_000);
  off();
  return log.events;
}

const finalCalls = (events: readonly DriverEvent[]) => {
  const last = new Map<string, ToolCall>();
  for (const e of events) if (e.kind === 'tool-call') last.set(e.callId, e);
  return [...last.values()];
};
const diffText = (c: FileChange) => `${c.before ?? ''}\n${c.after ?? ''}\n${c.patch ?? ''}`;

describe('real claude: tool calls as entries', () => {
  it('Bash with its output and exit code, Read, Edit with its diff; approvals carry the whole input', async () => {
    // The script names the sandbox's file, which exists only once the stub's address is known: filled in after.
    const script: ScriptStep[] = [];
    stub = await anthropicScriptStub(script);
    box = sandbox({ ANTHROPIC_BASE_URL: stub.url, ANTHROPIC_API_KEY: 'sk-ant-baton-stub-key-0000' });
    const file = join(box.cwd, 'hello.txt');
    writeFileSync(file, 'line one\nline two\nline three\n');
    script.push(
      { tool: 'Bash', input: { command: 'printf "ok 1\\nok 2\\n"; exit 3', description: 'Print and fail' } },
      { tool: 'Read', input: { file_path: file } },
      { tool: 'Edit', input: { file_path: file, old_string: 'line two', new_string: 'line 2 (edited)' } },
      { text: '## Done\n\n- edited' },
    );
    const driver = createClaudeStreamDriver({ command: realCli('claude'), env: box.env, timeoutMs: 60_000 });
    const s = await driver.start({ cwd: box.cwd, title: 'rich' });
    if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
    handle = s.handle;
    const events = await turnAllowing(handle, 'do it');
    const calls = finalCalls(events);

    const bash = calls.find((c) => c.tool === 'Bash');
    expect(bash, JSON.stringify(calls)).toMatchObject({ status: 'failed', result: { exitCode: 3 } });
    expect(bash!.result!.text).toContain('ok 1\nok 2');
    const read = calls.find((c) => c.tool === 'Read');
    expect(read).toMatchObject({ status: 'done' });
    expect(read!.result!.text).toContain('line two');
    const edit = calls.find((c) => c.tool === 'Edit');
    expect(edit).toMatchObject({ status: 'done' });
    expect(diffText(edit!.changes[0]!)).toContain('line 2 (edited)');
    expect(readFileSync(file, 'utf8')).toContain('line 2 (edited)');

    // Claude asked for Bash (and Edit): the request carries the whole input, the vendor's description and its suggestion.
    const asks = events.filter((e): e is Extract<DriverEvent, { kind: 'permission-request' }> => e.kind === 'permission-request');
    const bashAsk = asks.find((a) => a.tool === 'Bash');
    expect(bashAsk).toBeDefined();
    expect(JSON.parse(bashAsk!.input)).toEqual({ command: 'printf "ok 1\\nok 2\\n"; exit 3', description: 'Print and fail' });
    expect(bashAsk).toMatchObject({ description: 'Print and fail', sessionScope: true });
    expect(texts(events).some((t) => t.includes('## Done'))).toBe(true);
  });
});

describe('real codex: items as entries', () => {
  it('a command with output and exit code, an apply_patch as a file change with its diff, streamed text', async () => {
    stub = await responsesScriptStub([
      { tool: 'exec_command', input: { cmd: 'printf "ok 1\\nok 2\\n"; exit 3' } },
      { tool: 'exec_command', input: { cmd: "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: hello.txt\n@@\n line one\n-line two\n+line 2 (edited)\n line three\n*** End Patch\nEOF" } },
      { text: '## Done\n\n- edited the file' },
    ]);
    box = sandbox();
    codexUsesStub(box, stub.url, 0);
    const file = join(box.cwd, 'hello.txt');
    writeFileSync(file, 'line one\nline two\nline three\n');
    const driver = createCodexAppServerDriver({ command: realCli('codex'), env: box.env, timeoutMs: 60_000 });
    // Ask before commands, so the approvals come through the driver too.
    const s = await driver.start({ cwd: box.cwd, title: 'rich', permissionMode: 'untrusted/workspace-write' });
    if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
    handle = s.handle;
    const events = await turnAllowing(handle, 'do it');
    const calls = finalCalls(events);

    const cmd = calls.find((c) => c.tool === 'Bash' && summarizeInput(c.input).includes('printf'));
    expect(cmd, JSON.stringify(calls)).toMatchObject({ status: 'failed', result: { exitCode: 3 } });
    expect(cmd!.result!.text).toContain('ok 1\nok 2');
    const edit = calls.find((c) => c.changes.length > 0);
    expect(edit).toMatchObject({ tool: 'Edit', status: 'done' });
    expect(edit!.changes[0]!.path).toBe(file);
    expect(diffText(edit!.changes[0]!)).toContain('+line 2 (edited)');
    expect(readFileSync(file, 'utf8')).toContain('line 2 (edited)');

    const asks = events.filter((e): e is Extract<DriverEvent, { kind: 'permission-request' }> => e.kind === 'permission-request');
    expect(asks.length).toBeGreaterThan(0);
    expect(summarizeInput(asks[0]!.input)).toContain('printf');
    // The answer streamed: the same part reported more than once, the last one final.
    const parts = events.filter((e): e is Extract<DriverEvent, { kind: 'text' }> => e.kind === 'text' && e.partId !== undefined);
    expect(parts.at(-1)).toMatchObject({ final: true, text: '## Done\n\n- edited the file' });
  });
});
