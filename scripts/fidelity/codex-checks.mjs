// Codex handshakes, fake vs real: app-server JSON-RPC (no turn is started) and, where the real CLI still has it, mcp-server.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inventedKeys, launch, runOnce, sandbox, UUID_RE } from './harness.mjs';

const INIT = { id: 0, method: 'initialize', params: { clientInfo: { name: 'baton', title: 'Baton', version: '0.1.0' } } };
const byId = (lines, id) => lines.find((m) => m.id === id && m.method === undefined);
const norm = (s, ...ids) => ids.reduce((acc, id) => acc.replaceAll(id, '<ID>'), String(s ?? ''));

/** One app-server conversation: initialize, then `steps` (each waited for by id), stdin kept open meanwhile. */
async function appServer(bin, box, steps) {
  const p = launch(bin, ['app-server'], { cwd: box.cwd, env: box.env });
  p.send(INIT);
  await p.waitFor((ls) => byId(ls, 0));
  p.send({ method: 'initialized' });
  for (const step of steps) {
    p.send(step);
    await p.waitFor((ls) => byId(ls, step.id));
  }
  await new Promise((r) => setTimeout(r, 300)); // late notifications (thread/started)
  return p.close();
}

export async function codexChecks(report, fakeBin, realBin) {
  // 1. --version
  {
    const shape = async (bin) => {
      const r = await runOnce(bin, ['--version'], sandbox());
      return { code: r.code, format: /^codex-cli \d+\.\d+\.\d+$/.test((r.raw[0] ?? '').trim()) };
    };
    const real = await runOnce(realBin, ['--version'], sandbox());
    report.compare(`codex --version prints "codex-cli <x.y.z>" (real: ${(real.raw[0] ?? '').trim()})`, await shape(fakeBin), await shape(realBin));
  }

  // 2. A request before initialize
  {
    const shape = async (bin) => {
      const p = launch(bin, ['app-server'], { ...sandbox() });
      p.send({ id: 1, method: 'thread/start', params: {} });
      await p.waitFor((ls) => byId(ls, 1)); // the real server drops unanswered requests if stdin closes at once
      const r = await p.close();
      return byId(r.lines, 1)?.error ?? null;
    };
    report.compare('codex app-server: a request before initialize → error -32600 "Not initialized"', await shape(fakeBin), await shape(realBin));
  }

  // 3. initialize, thread/start {cwd}, errors for unknown ids and methods — one session each
  const run = async (bin) => {
    const box = sandbox();
    const unknown = randomUUID();
    const r = await appServer(bin, box, [
      { id: 1, method: 'thread/start', params: { cwd: box.cwd } },
      { id: 2, method: 'thread/resume', params: { threadId: unknown, cwd: box.cwd } },
      { id: 3, method: 'thread/resume', params: { threadId: 'not-a-uuid' } },
      { id: 4, method: 'turn/start', params: { threadId: unknown, input: [{ type: 'text', text: 'x', text_elements: [] }] } },
      { id: 5, method: 'turn/interrupt', params: { threadId: unknown, turnId: 'x' } },
      { id: 6, method: 'bogus/method', params: {} },
      { id: 7, method: 'initialize', params: INIT.params },
    ]);
    const thread = byId(r.lines, 1)?.result?.thread ?? {};
    // A thread that never had a turn: a new process cannot resume it (no rollout yet).
    const again = await appServer(bin, box, [{ id: 1, method: 'thread/resume', params: { threadId: thread.id, cwd: box.cwd } }]);
    return { box, unknown, r, thread, again };
  };
  const fake = await run(fakeBin);
  const real = await run(realBin);
  const shapes = (x) => {
    const { r, thread, unknown, box, again } = x;
    const init = byId(r.lines, 0)?.result ?? {};
    const started = r.lines.find((m) => m.method === 'thread/started');
    const err = (id) => {
      const e = byId(r.lines, id)?.error;
      return e ? { code: e.code, message: norm(e.message, unknown, thread.id ?? '') } : null;
    };
    return {
      init: { userAgentStartsWithClientName: String(init.userAgent ?? '').startsWith('baton/'), codexHomeIsOurs: init.codexHome === box.env.CODEX_HOME },
      responsesHaveNoJsonrpcField: r.lines.every((m) => !('jsonrpc' in m)),
      notificationsHaveEmittedAtMs: r.lines.filter((m) => m.method && m.id === undefined).every((m) => typeof m.emittedAtMs === 'number'),
      threadStart: {
        idIsUuid: UUID_RE.test(thread.id ?? ''),
        idIsV7: /^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(thread.id ?? ''),
        cwd: thread.cwd === box.cwd,
        pathAnnouncedButNotWritten: typeof thread.path === 'string' && thread.path.endsWith(`-${thread.id}.jsonl`) && /\/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-/.test(thread.path) && !existsSync(thread.path),
        turns: thread.turns,
        startedNotificationSameThread: started?.params?.thread?.id === thread.id,
      },
      resumeUnknown: err(2),
      resumeNotUuid: { code: byId(r.lines, 3)?.error?.code, prefix: String(byId(r.lines, 3)?.error?.message ?? '').startsWith('invalid session id: ') },
      turnStartUnknownThread: err(4),
      turnInterruptUnknownThread: err(5),
      unknownMethod: { code: byId(r.lines, 6)?.error?.code, prefix: String(byId(r.lines, 6)?.error?.message ?? '').startsWith('Invalid request: unknown variant `bogus/method`') },
      secondInitialize: err(7),
      resumeNeverTurnedThreadInNewProcess: (() => {
        const e = byId(again.lines, 1)?.error;
        return e ? { code: e.code, message: norm(e.message, thread.id ?? '') } : null;
      })(),
    };
  };
  const f = shapes(fake);
  const rl = shapes(real);
  for (const key of Object.keys(rl)) report.compare(`codex app-server ${key}`, f[key], rl[key]);
  report.compare('codex app-server initialize: the fake invents no result fields', inventedKeys(byId(fake.r.lines, 0)?.result, byId(real.r.lines, 0)?.result), []);
  report.compare('codex app-server thread/start: the fake invents no result fields', inventedKeys(byId(fake.r.lines, 1)?.result, byId(real.r.lines, 1)?.result), []);

  // 5. A first turn offline: the rollout and the writer lock exist from the turn's start; what resume does then.
  {
    const f = await turnChecks(fakeBin, true);
    const r = await turnChecks(realBin, false);
    for (const key of Object.keys(r)) report.compare(`codex app-server offline turn: ${key}`, f[key], r[key]);
  }

  // 4. mcp-server: present in 0.148.0, gone in 0.169.0 — check whichever the real CLI is, the fake emulating it.
  const realHelp = await runOnce(realBin, ['help', 'mcp-server'], sandbox());
  if (realHelp.code !== 0) {
    const shape = async (bin) => {
      const box = sandbox();
      if (bin === fakeBin) box.env.BATON_FAKE_FAULTS = 'no-mcp-server';
      const help = await runOnce(bin, ['help', 'mcp-server'], box);
      const p = launch(bin, ['mcp-server'], { cwd: box.cwd, env: box.env });
      p.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'baton', version: '0.1.0' } } });
      const r = await p.close(10_000);
      return {
        helpExit: help.code,
        helpSaysUnrecognized: help.stderr.includes("unrecognized subcommand 'mcp-server'"),
        mcpServerExit: r.code,
        mcpServerStdout: r.raw.length,
        mcpServerRefusesTui: /stdin is not a terminal|Refusing to start the interactive TUI/.test(r.stderr),
      };
    };
    report.compare('codex without mcp-server (fake with fault no-mcp-server): `help mcp-server` exits 2, `mcp-server` exits 1 refusing to start the TUI', await shape(fakeBin), await shape(realBin));
    return;
  }
  await mcpChecks(report, fakeBin, realBin);
}

async function mcpChecks(report, fakeBin, realBin) {
  const shape = async (bin) => {
    const box = sandbox();
    const p = launch(bin, ['mcp-server'], { cwd: box.cwd, env: box.env });
    const ask = async (msg) => {
      p.send({ jsonrpc: '2.0', ...msg });
      await p.waitFor((ls) => ls.some((m) => m.id === msg.id));
      return p.lines.find((m) => m.id === msg.id);
    };
    const init = await ask({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'baton', version: '0.1.0' } } });
    p.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const list = await ask({ id: 2, method: 'tools/list' });
    const ping = await ask({ id: 3, method: 'ping' });
    const bogus = await ask({ id: 4, method: 'bogus' });
    const unknownId = randomUUID();
    const reply = await ask({ id: 5, method: 'tools/call', params: { name: 'codex-reply', arguments: { threadId: unknownId, prompt: 'hi' } } });
    const noTool = await ask({ id: 6, method: 'tools/call', params: { name: 'nope', arguments: { prompt: 'x' } } });
    const noPrompt = await ask({ id: 7, method: 'tools/call', params: { name: 'codex', arguments: {} } });
    await p.close();
    const strip = (schema) => JSON.parse(JSON.stringify(schema ?? null, (k, v) => (k === 'description' ? undefined : v)));
    const text = (m) => norm(m?.result?.content?.[0]?.text, unknownId);
    return {
      init: { jsonrpc: init?.jsonrpc, protocolVersion: init?.result?.protocolVersion, capabilities: init?.result?.capabilities, serverName: init?.result?.serverInfo?.name },
      tools: (list?.result?.tools ?? []).map((t) => ({ name: t.name, title: t.title, inputSchema: strip(t.inputSchema), outputSchema: strip(t.outputSchema) })),
      ping: ping?.result ?? null,
      unknownMethod: { code: bogus?.error?.code, message: bogus?.error?.message },
      replyUnknownThread: { isError: reply?.result?.isError, text: text(reply) },
      unknownTool: { isError: noTool?.result?.isError, text: text(noTool) },
      missingPrompt: { isError: noPrompt?.result?.isError, text: text(noPrompt) },
    };
  };
  const f = await shape(fakeBin);
  const r = await shape(realBin);
  for (const key of Object.keys(r)) report.compare(`codex mcp-server ${key}`, f[key], r[key]);
}

const walk = (d) => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);

/**
 * thread/start + turn/start with no model reachable (the real one retries without end; the fake, under api-retry
 * plus slow-turn, retries then waits), then, in new processes: resume with and without excludeTurns, a second
 * writer, a copied rollout. Only shapes are compared.
 */
async function turnChecks(bin, isFake) {
  const box = sandbox();
  if (isFake) {
    box.env.BATON_FAKE_FAULTS = 'api-retry,slow-turn';
    box.env.BATON_FAKE_TURN_MS = '60000';
  }
  const p = launch(bin, ['app-server'], { cwd: box.cwd, env: box.env });
  const ask = async (msg) => {
    p.send(msg);
    await p.waitFor((ls) => byId(ls, msg.id));
    return byId(p.lines, msg.id);
  };
  await ask(INIT);
  p.send({ method: 'initialized' });
  const thread = (await ask({ id: 1, method: 'thread/start', params: { cwd: box.cwd } }))?.result?.thread ?? {};
  const lock = join(box.env.CODEX_HOME, 'thread-writer-locks', `${thread.id}.lock`);
  const lockAtStart = existsSync(lock);
  await ask({ id: 2, method: 'turn/start', params: { threadId: thread.id, input: [{ type: 'text', text: 'hello offline', text_elements: [] }] } });
  await p.waitFor((ls) => ls.some((m) => m.method === 'error' && m.params?.willRetry === true), 30_000);
  const retry = p.lines.find((m) => m.method === 'error' && m.params?.willRetry === true)?.params ?? {};
  const [rollout] = walk(join(box.env.CODEX_HOME, 'sessions'));
  const rows = rollout ? readFileSync(rollout, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const turnEnded = p.lines.some((m) => m.method === 'turn/completed');
  // A second process while this one still holds the thread.
  const second = await resumeIn(bin, box, thread.id, true);
  await p.close();
  const lockAfterExit = existsSync(lock);
  const hydrated = await resumeIn(bin, box, thread.id, false);
  const light = await resumeIn(bin, box, thread.id, true);
  const copyId = '01a23123-e909-7c05-ad68-5f84c406e2e9';
  if (rollout) copyFileSync(rollout, rollout.replace(thread.id, copyId));
  const copied = await resumeIn(bin, box, copyId, true);
  return {
    writerLockFromThreadStartToExit: { lockAtStart, lockAfterExit },
    retryNotification: {
      keys: Object.keys(retry).sort(),
      counted: /^Reconnecting\.\.\. \d+\/\d+$/.test(String(retry.error?.message)),
      details: typeof retry.error?.additionalDetails === 'string',
      infoIsObject: typeof retry.error?.codexErrorInfo === 'object',
    },
    rolloutAtTurnStart: {
      exists: Boolean(rollout) && !turnEnded,
      firstLine: rows[0]?.type,
      metaIdIsThread: rows[0]?.payload?.id === thread.id,
      metaCwd: rows[0]?.payload?.cwd === box.cwd,
      userTextAsResponseItem: rows.some((r) => r.type === 'response_item' && r.payload?.role === 'user' && r.payload.content?.some((c) => c.text === 'hello offline')),
      harnessContextFirst: String(rows.find((r) => r.type === 'response_item' && r.payload?.role === 'user')?.payload?.content?.[0]?.text).startsWith('<environment_context>'),
      userItemCompletedEvent: rows.some((r) => r.type === 'event_msg' && r.payload?.type === 'item_completed' && r.payload.item?.type === 'UserMessage'),
      noUserMessageEvent: !rows.some((r) => r.type === 'event_msg' && r.payload?.type === 'user_message'),
    },
    secondWriter: second.error ? { code: second.error.code, message: norm(second.error.message, thread.id) } : null,
    resumeNeverCompletedTurn: { sameId: light.result?.thread?.id === thread.id },
    deprecationNoticeWithoutExcludeTurns: { without: hydrated.deprecation, with: light.deprecation },
    copiedRollout: copied.error ? { code: copied.error.code, message: copied.error.message } : null,
  };
}

async function resumeIn(bin, box, threadId, excludeTurns) {
  const r = await appServer(bin, box, [{ id: 1, method: 'thread/resume', params: { threadId, ...(excludeTurns ? { excludeTurns: true } : {}) } }]);
  const answer = byId(r.lines, 1) ?? {};
  return { error: answer.error ?? null, result: answer.result ?? null, deprecation: r.lines.some((m) => m.method === 'deprecationNotice') };
}
