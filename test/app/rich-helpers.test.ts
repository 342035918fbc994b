// Small rules behind the rich session screen: a failure said once, permission modes per backend, one-line summaries
// of structured inputs, replaced sends hidden, height guesses for cards, and the worker's policy merge.
import { describe, expect, it } from 'vitest';
import { describePermissionMode, isPermissionMode, codexMode, PERMISSION_MODES } from '../../src/core/permission-modes.ts';
import { inputText, summarizeInput, toolResult, fileChange, ENTRY_LIMITS } from '../../src/core/agent-entries.ts';
import type { MessageRecord } from '../../src/core/records.ts';
import { failureText } from '../../src/app/lib/failure-text.ts';
import { buildRows, rowShape } from '../../src/app/lib/transcript-rows.ts';
import { mergePolicy } from '../../src/app/worker/policy-merge.ts';

const msg = (over: Partial<MessageRecord>): MessageRecord => ({
  id: 'm1', sessionId: 's', seq: 1, role: 'user', text: 'x', clientId: 'c1', state: 'failed', failure: { code: 'agent-exited', detail: '' },
  tool: null, permission: null, createdAt: 1, updatedAt: 1, ...over,
});

describe('a failure is said once', () => {
  it('the sentence, with a detail that adds facts', () => {
    expect(failureText({ code: 'vendor-not-found', detail: 'no transcript at /x.jsonl' })).toMatch(/\(no transcript at \/x\.jsonl\)$/);
  });
  it('a detail the sentence already says is left out; one that carries the sentence is shown alone', () => {
    const interrupted = failureText({ code: 'interrupted', detail: 'The turn was interrupted.' });
    expect(interrupted).toBe('The turn was interrupted before the agent answered.');
    const said = failureText({ code: 'interrupted', detail: 'The turn was interrupted before the agent answered. Send it again when you are ready.' });
    expect(said.match(/interrupted/g)).toHaveLength(1);
  });
});

describe('permission modes', () => {
  it('each backend offers its vendor’s own ids; others are refused', () => {
    expect(PERMISSION_MODES['claude-stream'].map((m) => m.id)).toEqual(['default', 'acceptEdits', 'plan']);
    expect(isPermissionMode('claude-stream', 'acceptEdits')).toBe(true);
    expect(isPermissionMode('claude-stream', 'bypassPermissions')).toBe(false);
    expect(isPermissionMode('codex-app-server', 'never/workspace-write')).toBe(true);
    expect(isPermissionMode('codex-app-server', 'never')).toBe(false);
    expect(isPermissionMode('codex-mcp', 'default')).toBe(false);
    expect(isPermissionMode('acp', 'agent-own_mode.1')).toBe(true);
    expect(isPermissionMode('acp', 'bad mode')).toBe(false);
  });
  it('in words, the default when none was chosen; Codex split into its two settings', () => {
    expect(describePermissionMode('claude-stream', null)).toMatchObject({ id: 'default', label: 'Ask before tools' });
    expect(describePermissionMode('codex-mcp', null)).toBeNull();
    expect(codexMode('untrusted/danger-full-access')).toEqual({ approvalPolicy: 'untrusted', sandbox: 'danger-full-access' });
    expect(codexMode(null)).toEqual({ approvalPolicy: 'on-request', sandbox: 'read-only' });
  });
});

describe('structured inputs in one line', () => {
  it('the command, the path, ACP’s raw input, a list of changed files; plain text as it is', () => {
    expect(summarizeInput(JSON.stringify({ command: 'npm test', description: 'tests' }))).toBe('npm test');
    expect(summarizeInput(JSON.stringify({ cmd: ['git', 'status'] }))).toBe('git status');
    expect(summarizeInput(JSON.stringify({ title: 'ls', rawInput: { command: 'ls -la' } }))).toBe('ls -la');
    expect(summarizeInput(JSON.stringify({ changes: [{ path: 'a.ts' }, { path: 'b.ts' }] }))).toBe('a.ts, b.ts');
    expect(summarizeInput('just text')).toBe('just text');
  });
  it('results and changes are capped with their full size kept', () => {
    const big = 'x'.repeat(ENTRY_LIMITS.resultChars + 10);
    expect(toolResult(big, 0)).toMatchObject({ truncated: true, size: big.length, exitCode: 0 });
    expect(toolResult(big).text).toHaveLength(ENTRY_LIMITS.resultChars);
    expect(fileChange({ path: 'a', kind: 'edit', patch: 'y'.repeat(ENTRY_LIMITS.changeChars + 1) }).truncated).toBe(true);
    expect(inputText({ a: 1 })).toEqual({ text: '{"a":1}', truncated: false });
  });
});

describe('transcript rows', () => {
  it('a failed send that a retry replaced is not shown; one not replaced is', () => {
    const failed = msg({ id: 'm1', clientId: 'old' });
    const other = msg({ id: 'm2', seq: 2, clientId: 'kept' });
    const rows = buildRows([failed, other], [], undefined, new Set(['old']));
    expect(rows.map((r) => r.key)).toEqual(['m2']);
    // An answered message is never hidden, even if its id is listed.
    expect(buildRows([msg({ clientId: 'old', state: 'answered', failure: null })], [], undefined, new Set(['old']))).toHaveLength(1);
  });
  it('cards are given a height from their structure (output lines, diff lines, plan items)', () => {
    const tool = (entry: MessageRecord['entry']) => rowShape({ kind: 'message', key: 'k', stamp: '', entry: null, message: msg({ role: 'tool', state: null, failure: null, entry }) });
    const bash = tool({ kind: 'tool', callId: 'c', tool: 'Bash', title: null, input: '{}', status: 'done', result: { text: 'a\nb\nc', truncated: false, size: 5, exitCode: 0 }, changes: [] });
    const long = tool({ kind: 'tool', callId: 'c', tool: 'Bash', title: null, input: '{}', status: 'done', result: { text: 'a\n'.repeat(100), truncated: false, size: 200, exitCode: 0 }, changes: [] });
    const plan = tool({ kind: 'plan', planId: 'p', items: [{ text: 'a', status: 'done' }, { text: 'b', status: 'pending' }] });
    expect(bash.px).toBeGreaterThan(52);
    expect(long.px).toBe(52 + 10 * 18 + 16); // folded at 10 lines
    expect(plan.px).toBe(44 + 2 * 25);
  });
});

describe('the worker keeps the cached shell’s own script-src when it takes the server’s new policy', () => {
  it('merges', () => {
    const cached = "default-src 'self'; script-src 'self' 'sha256-OLD'; connect-src 'self'";
    const fresh = "default-src 'self'; script-src 'self' 'sha256-NEW'; connect-src 'self' https: wss:";
    expect(mergePolicy(cached, fresh)).toBe("default-src 'self'; script-src 'self' 'sha256-OLD'; connect-src 'self' https: wss:");
    expect(mergePolicy(null, fresh)).toBe(fresh);
  });
});
