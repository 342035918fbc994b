// Each driver against its fake playing the `rich` turn (test/fakes/lib/rich.mjs) in its CLI's own shapes: the
// structured events the phone draws (commands with output and exit code, edits as diffs, checklists, streamed
// text), "allow for this session" reaching the vendor its own way, and the permission mode handed to the vendor.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summarizeInput, type FileChange } from '../../src/core/index.ts';
import type { BackendDriver, DriverEnv, DriverEvent } from '../../src/machine/providers/backend.ts';
import { createClaudeStreamDriver } from '../../src/machine/providers/claude-stream/index.ts';
import { createCodexAppServerDriver } from '../../src/machine/providers/codex-app-server/index.ts';
import { createGeminiAcpDriver } from '../../src/machine/providers/gemini-acp/index.ts';
import { createOpencodeServeDriver } from '../../src/machine/providers/opencode-serve/index.ts';
import type { FakeProvider } from '../helpers/fake-env.ts';
import { EventLog, fakeFixture, texts, turn } from './backend-contract.ts';
// @ts-expect-error the fakes are plain JS
import { RICH_BASH, RICH_EDIT, RICH_FAILING, RICH_PLAN } from '../fakes/lib/rich.mjs';

type ToolCall = Extract<DriverEvent, { kind: 'tool-call' }>;

interface Case {
  readonly backend: string;
  readonly provider: FakeProvider;
  readonly create: (env: DriverEnv) => BackendDriver;
  /** Whether the CLI reports a command's output (Gemini 0.61 does not in ACP). */
  readonly output: boolean;
  readonly failing: boolean;
  /** A mode this backend offers, and how the fake records that it got it. */
  readonly mode: string;
  readonly modeSeen: (lines: Array<Record<string, unknown>>) => boolean;
  /** How the fake records an allow for the rest of the session. */
  readonly sessionAllowSeen: (line: Record<string, unknown>) => boolean;
  /** What the vendor needs before it takes that mode (Gemini: a folder it trusts, for autoEdit and yolo). */
  readonly prepareMode?: (home: string, cwd: string) => Promise<void>;
}

const CASES: Case[] = [
  {
    backend: 'claude-stream', provider: 'claude', create: createClaudeStreamDriver, output: true, failing: true, mode: 'acceptEdits',
    modeSeen: (lines) => lines.some((l) => l.event === 'created' && l.permissionMode === 'acceptEdits'),
    // Claude's own suggestion, kept for this session only (never written to the project's settings).
    sessionAllowSeen: (l) => Array.isArray(l.updatedPermissions) && (l.updatedPermissions as Array<{ destination: string }>).every((p) => p.destination === 'session') && (l.updatedPermissions as unknown[]).length > 0,
  },
  {
    backend: 'codex-app-server', provider: 'codex', create: createCodexAppServerDriver, output: true, failing: true, mode: 'untrusted/workspace-write',
    modeSeen: (lines) => lines.some((l) => l.event === 'created' && l.approvalPolicy === 'untrusted' && l.sandbox === 'workspace-write')
      && lines.some((l) => l.event === 'turn-mode' && l.approvalPolicy === 'untrusted' && (l.sandboxPolicy as { type: string }).type === 'workspaceWrite'),
    sessionAllowSeen: (l) => l.decision === 'acceptForSession',
  },
  {
    backend: 'opencode-serve', provider: 'opencode', create: createOpencodeServeDriver, output: true, failing: true, mode: 'plan',
    modeSeen: (lines) => lines.some((l) => l.event === 'prompt-agent' && l.agent === 'plan'),
    sessionAllowSeen: (l) => l.reply === 'always',
  },
  {
    backend: 'gemini-acp', provider: 'gemini', create: createGeminiAcpDriver, output: false, failing: false, mode: 'autoEdit',
    modeSeen: (lines) => lines.some((l) => l.event === 'permission-mode' && l.mode === 'autoEdit'),
    sessionAllowSeen: (l) => l.optionId === 'proceed_always',
    prepareMode: async (home, cwd) => {
      await mkdir(join(home, '.gemini'), { recursive: true });
      await writeFile(join(home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [cwd]: 'TRUST_FOLDER' }));
    },
  },
];

/** The last report of each call, in the order the calls began. */
function finalCalls(events: readonly DriverEvent[]): ToolCall[] {
  const last = new Map<string, ToolCall>();
  for (const e of events) if (e.kind === 'tool-call') last.set(e.callId, e);
  return [...last.values()];
}

const changeText = (c: FileChange) => `${c.before ?? ''}\n${c.after ?? ''}\n${c.patch ?? ''}`;

for (const c of CASES) {
  describe(`${c.backend}: the rich turn`, () => {
    let fx: Awaited<ReturnType<typeof fakeFixture>> | null = null;
    afterEach(async () => {
      await fx?.cleanup();
      fx = null;
    });

    it('commands with output and exit code, an edit as a diff, a checklist, and the markdown text', async () => {
      fx = await fakeFixture(c.provider, c.create);
      await fx.setFaults(['rich']);
      const start = await fx.driver.start({ cwd: fx.cwd, title: 'rich' });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      const events = await turn(start.handle, log, 'make it rich');
      const calls = finalCalls(events);

      const bash = calls.find((x) => x.tool === 'Bash' && summarizeInput(x.input).includes(RICH_BASH.command) || x.title === RICH_BASH.command);
      expect(bash, JSON.stringify(calls)).toBeDefined();
      expect(bash!.status).toBe('done');
      if (c.output) {
        expect(bash!.result?.text).toContain('ok 18 - greet case 18');
        // Hostile HTML in the output is just text on the wire; the phone keeps it that way.
        expect(bash!.result?.text).toContain('<script>window.__xss = "tool-script"</script>');
        expect(bash!.result?.exitCode).toBe(0);
        expect(bash!.result?.size).toBe(RICH_BASH.output.length);
      }
      if (c.failing) {
        const lint = calls.find((x) => summarizeInput(x.input).includes(RICH_FAILING.command));
        expect(lint).toMatchObject({ status: 'failed', result: { exitCode: RICH_FAILING.exitCode } });
        expect(lint!.result!.text).toContain('Missing semicolon');
      }

      const edit = calls.find((x) => x.changes.length > 0 && x.changes[0]!.path.endsWith(RICH_EDIT.file));
      expect(edit, JSON.stringify(calls)).toBeDefined();
      expect(edit!.status).toBe('done');
      const diff = changeText(edit!.changes[0]!);
      expect(diff).toContain('Hello, ${name}!');
      expect(diff).toContain('"hi " + n');

      const plans = events.filter((e): e is Extract<DriverEvent, { kind: 'plan' }> => e.kind === 'plan');
      expect(plans.length).toBeGreaterThan(0);
      // One checklist per turn: every report of it under the same id, the last one with every step.
      expect(new Set(plans.map((p) => p.planId)).size).toBe(1);
      expect(plans.at(-1)!.items.map((i) => i.text)).toEqual(RICH_PLAN.map((p: { text: string }) => p.text));
      expect(plans.some((p) => p.items.some((i) => i.status === 'in-progress'))).toBe(true);

      const said = texts(events);
      expect(said.some((t) => t.includes('## Plan for `greet`') && t.includes('```ts'))).toBe(true);
      expect(said).toContain('echo: make it rich');
      await start.handle.stop();
    });

    it('"allow for this session" reaches the vendor its own way', async () => {
      fx = await fakeFixture(c.provider, c.create);
      await fx.setFaults(['permission']);
      const start = await fx.driver.start({ cwd: fx.cwd, title: 'scope' });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      await start.handle.send('please allow');
      const ask = await log.next('permission-request');
      expect(ask.sessionScope).toBe(true);
      await start.handle.answerPermission(ask.permissionId, 'allow', 'session');
      await log.next('turn-end');
      const allowed = (await fx.record()).filter((l) => l.event === 'permission-allowed') as unknown as Array<Record<string, unknown>>;
      expect(allowed).toHaveLength(1);
      expect(c.sessionAllowSeen(allowed[0]!), JSON.stringify(allowed)).toBe(true);
      await start.handle.stop();
    });

    it('the permission mode chosen at start reaches the vendor', async () => {
      fx = await fakeFixture(c.provider, c.create);
      await c.prepareMode?.(fx.fake.home, fx.cwd);
      const start = await fx.driver.start({ cwd: fx.cwd, title: 'mode', permissionMode: c.mode });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      await turn(start.handle, log, 'in this mode');
      expect(c.modeSeen((await fx.record()) as unknown as Array<Record<string, unknown>>), JSON.stringify(await fx.record())).toBe(true);
      await start.handle.stop();
    });
  });
}

describe('claude-stream: a mode change while it runs', () => {
  it('is handed to Claude at once (set_permission_mode)', async () => {
    const fx = await fakeFixture('claude', createClaudeStreamDriver);
    try {
      const start = await fx.driver.start({ cwd: fx.cwd, title: 'mode' });
      if (!start.ok) throw new Error(start.detail);
      const log = new EventLog(start.handle);
      await turn(start.handle, log, 'first');
      await start.handle.setPermissionMode!('plan');
      expect((await fx.record()).filter((l) => l.event === 'permission-mode')).toMatchObject([{ mode: 'plan' }]);
      await start.handle.stop();
    } finally {
      await fx.cleanup();
    }
  });
});
