// The fake codex is as strict as the real CLI where Baton's strictness depends on it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';

let fake: FakeEnv;
const rpc = (mode: string, messages: object[]) => {
  const r = spawnSync('codex', [mode], { cwd: fake.cwd, env: fake.env, input: messages.map((m) => JSON.stringify(m)).join('\n') + '\n', encoding: 'utf8', timeout: 10_000 });
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
};
const init = { id: 0, method: 'initialize', params: { clientInfo: { name: 't', version: '1' } } };

describe('fake codex', () => {
  beforeEach(async () => {
    fake = await createFakeEnv();
  });
  afterEach(() => fake.cleanup());

  it('prints a version', () => {
    expect(spawnSync('codex', ['--version'], { env: fake.env, encoding: 'utf8' }).stdout).toMatch(/^codex-cli \d+\.\d+\.\d+/);
  });

  it('app-server refuses requests before initialize', () => {
    expect(rpc('app-server', [{ id: 1, method: 'thread/start', params: {} }])).toEqual([{ id: 1, error: { code: -32600, message: 'Not initialized' } }]);
  });

  it('app-server thread/resume of an unknown id is -32600 "no rollout found", and no thread is created', async () => {
    const id = '01a20d8c-a781-7bd2-8ccd-22280e3078ad';
    const out = rpc('app-server', [init, { method: 'initialized' }, { id: 1, method: 'thread/resume', params: { threadId: id } }]);
    expect(out).toContainEqual({ id: 1, error: { code: -32600, message: `no rollout found for thread id ${id}` } });
    expect((await fake.record('codex')).map((l) => l.event)).toEqual(['resume-refused']);
  });

  it('app-server thread/resume of a non-UUID id is -32600 "invalid session id", like the real one', () => {
    const out = rpc('app-server', [init, { method: 'initialized' }, { id: 1, method: 'thread/resume', params: { threadId: 'abc' } }]);
    expect(out.find((m) => m.id === 1)!.error).toMatchObject({ code: -32600, message: expect.stringMatching(/^invalid session id: /) });
  });

  it('app-server thread/start announces the rollout path before the file exists', () => {
    const out = rpc('app-server', [init, { method: 'initialized' }, { id: 1, method: 'thread/start', params: { cwd: fake.cwd } }]);
    const thread = out.find((m) => m.id === 1)!.result.thread;
    expect(thread.path).toMatch(new RegExp(`/sessions/\\d{4}/\\d{2}/\\d{2}/rollout-[0-9T-]+-${thread.id}\\.jsonl$`));
    expect(existsSync(thread.path)).toBe(false);
    expect(out).toContainEqual(expect.objectContaining({ method: 'thread/started', params: { thread } }));
  });

  it('app-server writes no rollout for a thread until its first turn', async () => {
    const out = rpc('app-server', [init, { method: 'initialized' }, { id: 1, method: 'thread/start', params: { cwd: fake.cwd } }]);
    const threadId = out.find((m) => m.id === 1)!.result.thread.id as string;
    const again = rpc('app-server', [init, { id: 1, method: 'thread/resume', params: { threadId } }]);
    expect(again).toContainEqual({ id: 1, error: { code: -32600, message: `no rollout found for thread id ${threadId}` } });
  });

  it('mcp-server answers tool failures as isError results, not JSON-RPC errors', () => {
    const out = rpc('mcp-server', [{ jsonrpc: '2.0', ...init, params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex-reply', arguments: { threadId: 'nope', prompt: 'hi' } } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'nope', arguments: { prompt: 'hi' } } }]);
    expect(out.find((m) => m.id === 1)!.result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Session not found for thread_id: nope' }] });
    expect(out.find((m) => m.id === 2)!.result).toMatchObject({ isError: true, content: [{ type: 'text', text: "Unknown tool 'nope'" }] });
  });

  it('mcp-server lists exactly the codex and codex-reply tools', () => {
    const out = rpc('mcp-server', [{ jsonrpc: '2.0', ...init, params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, { jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
    expect(out.find((m) => m.id === 1)!.result.tools.map((t: { name: string }) => t.name)).toEqual(['codex', 'codex-reply']);
  });
});
