// The fake claude is as strict as the real CLI where Baton's strictness depends on it.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';

const STREAM = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json'];
let fake: FakeEnv;
const run = (args: string[], input = '') => spawnSync('claude', args, { cwd: fake.cwd, env: fake.env, input, encoding: 'utf8', timeout: 10_000 });
const lines = (out: string) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

describe('fake claude', () => {
  beforeEach(async () => {
    fake = await createFakeEnv();
  });
  afterEach(() => fake.cleanup());

  it('requires --verbose with stream-json output, like the real CLI', () => {
    const r = run(STREAM);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('requires --verbose');
  });

  it('says system/init only after the first user message, then writes the transcript', () => {
    const id = '7d0c0f7e-1111-4aaa-8bbb-123456789abc';
    const idle = run([...STREAM, '--verbose', '--session-id', id]);
    expect(lines(idle.stdout)).toEqual([]);
    const r = run([...STREAM, '--verbose', '--session-id', '7d0c0f7e-2222-4aaa-8bbb-123456789abc'], '{"type":"user","message":{"role":"user","content":"hi"}}\n');
    const out = lines(r.stdout);
    expect(out[0]).toMatchObject({ type: 'system', subtype: 'init', session_id: '7d0c0f7e-2222-4aaa-8bbb-123456789abc' });
    expect(out.at(-1)).toMatchObject({ type: 'result', subtype: 'success', result: 'echo: hi' });
  });

  it('refuses a --session-id that already has a transcript (no silent second session under one id)', () => {
    const id = '7d0c0f7e-3333-4aaa-8bbb-123456789abc';
    run([...STREAM, '--verbose', '--session-id', id], '{"type":"user","message":{"role":"user","content":"hi"}}\n');
    const again = run([...STREAM, '--verbose', '--session-id', id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`Session ID ${id} is already in use`);
  });

  it('answers --resume of an unknown id with a result error at once and exits 1', async () => {
    const id = '7d0c0f7e-4444-4aaa-8bbb-123456789abc';
    const r = run([...STREAM, '--verbose', '--resume', id]);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([expect.objectContaining({ type: 'result', is_error: true, session_id: id, errors: [`No conversation found with session ID: ${id}`] })]);
    expect(r.stderr).toContain(`No conversation found with session ID: ${id}`);
    expect((await fake.record('claude')).map((l) => l.event)).toEqual(['resume-refused']);
  });
});
