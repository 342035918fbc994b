// Claude Code handshakes, fake vs real, all refused or answered before any model call (no account needed).
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inventedKeys, launch, runOnce, sandbox, UUID_RE } from './harness.mjs';

const STREAM = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio'];
const INIT = { type: 'control_request', request_id: 'fidelity-init', request: { subtype: 'initialize', hooks: null } };
const projectFiles = (box) => {
  const root = join(box.env.CLAUDE_CONFIG_DIR, 'projects');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(d, f)));
};

/** The live-session registry entries of a sandbox (`sessions/<pid>.json`). */
const registry = (box) => {
  const dir = join(box.env.CLAUDE_CONFIG_DIR, 'sessions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')));
};
const procStart = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return null;
  }
};

/**
 * `initialize` with the given id flags; returns what came back before stdin closed, plus the registry entry as it
 * stood when `initialize` was answered and again a moment later (and whether it is gone after exit).
 */
async function initialize(bin, idArgs, box) {
  const p = launch(bin, [...STREAM, ...idArgs], { cwd: box.cwd, env: box.env });
  p.send(INIT);
  await p.waitFor((ls) => ls.some((m) => m.type === 'control_response' || m.type === 'result'), 20_000);
  const atAnswer = registry(box);
  // Linger briefly: nothing else (no system/init) may arrive before a user message.
  await new Promise((r) => setTimeout(r, 1500));
  const later = registry(box);
  const pidStart = later[0] ? procStart(later[0].pid) : null;
  const r = await p.close();
  return { ...r, atAnswer, later, pidStart, afterExit: registry(box) };
}

export async function claudeChecks(report, fakeBin, realBin) {
  // 1. --version
  {
    const shape = async (bin) => {
      const r = await runOnce(bin, ['--version'], sandbox());
      return { code: r.code, format: /^\d+\.\d+\.\d+ \(Claude Code\)$/.test((r.raw[0] ?? '').trim()) };
    };
    const real = await runOnce(realBin, ['--version'], sandbox());
    report.compare(`claude --version prints "<x.y.z> (Claude Code)" (real: ${(real.raw[0] ?? '').trim()})`, await shape(fakeBin), await shape(realBin));
  }

  // 2. --resume of an unknown UUID, with initialize already written (what the driver does)
  {
    const results = {};
    for (const [who, bin] of [['fake', fakeBin], ['real', realBin]]) {
      const box = sandbox();
      const id = randomUUID();
      const r = await initialize(bin, ['--resume', id], box);
      const result = r.lines.find((m) => m.type === 'result') ?? {};
      results[who] = {
        result,
        shape: {
          exitNonZero: r.code !== 0,
          stdoutTypes: r.lines.map((m) => m.type),
          subtype: result.subtype,
          is_error: result.is_error,
          sessionIdIsRequested: result.session_id === id,
          errors: (result.errors ?? []).map((e) => String(e).replaceAll(id, '<ID>')),
          stderrSaysIt: r.stderr.includes(`No conversation found with session ID: ${id}`),
          transcripts: projectFiles(box).length,
        },
      };
    }
    report.compare('claude --resume <unknown uuid>: one result line (error_during_execution, errors ["No conversation found…"]), no control_response, stderr, exit≠0', results.fake.shape, results.real.shape);
    report.compare('claude --resume <unknown uuid>: the fake invents no result fields', inventedKeys(results.fake.result, results.real.result), []);
  }

  // 3. --session-id <new uuid> + initialize: control_response success, nothing else, no transcript yet
  {
    const results = {};
    for (const [who, bin] of [['fake', fakeBin], ['real', realBin]]) {
      const box = sandbox();
      const id = randomUUID();
      const r = await initialize(bin, ['--session-id', id], box);
      const resp = r.lines.find((m) => m.type === 'control_response')?.response ?? {};
      results[who] = {
        payload: resp.response ?? {},
        shape: {
          stdoutTypes: r.lines.map((m) => m.type),
          subtype: resp.subtype,
          requestIdEchoed: resp.request_id === INIT.request_id,
          fields: ['commands', 'models', 'account', 'output_style', 'available_output_styles', 'agents', 'pid'].filter((k) => k in (resp.response ?? {})),
          exit: r.code,
          transcripts: projectFiles(box).length,
        },
        registryEntry: r.later[0] ?? {},
        registry: {
          writtenByTheAnswer: r.atAnswer.length === 1,
          pidIsTheAnsweredPid: r.later[0]?.pid === resp.response?.pid,
          sessionIdIsOurs: r.later[0]?.sessionId === id,
          cwd: r.later[0]?.cwd === box.cwd,
          kind: r.later[0]?.kind,
          entrypoint: r.later[0]?.entrypoint,
          procStartIsProcStat: r.later[0]?.procStart === r.pidStart,
          removedOnExit: r.afterExit.length === 0,
        },
      };
    }
    report.compare('claude --session-id <new> + initialize: control_response success with commands/models/account/…; no system/init before a user message; no transcript; exit 0 on EOF', results.fake.shape, results.real.shape);
    report.compare('claude initialize response: the fake invents no fields', inventedKeys(results.fake.payload, results.real.payload), []);
    report.compare('claude registers itself in sessions/<pid>.json ({pid, sessionId, cwd, procStart, kind "interactive", entrypoint "sdk-cli"}) by the time initialize is answered, and removes it on exit', results.fake.registry, results.real.registry);
    report.compare('claude registry entry: the fake invents no fields', inventedKeys(results.fake.registryEntry, results.real.registryEntry), []);
  }

  // 4 + 5. A transcript written by the fake (cwd with `.`, `_`, space): the real CLI finds it under the same
  // project folder (so --resume loads it) and refuses to reuse its id with --session-id.
  {
    const seed = sandbox();
    const id = randomUUID();
    const p = launch(fakeBin, [...STREAM, '--session-id', id], { cwd: seed.cwd, env: seed.env });
    p.send({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'hello' }] }, parent_tool_use_id: null, session_id: id });
    await p.waitFor((ls) => ls.some((m) => m.type === 'result'));
    await p.close();
    const shapes = {};
    const registries = {};
    // Both run in the seed sandbox (same cwd, same config dir), fake first: the real CLI must find the fake's file.
    for (const [who, bin] of [['fake', fakeBin], ['real', realBin]]) {
      const resumed = await initialize(bin, ['--resume', id], seed);
      const forked = await initialize(bin, ['--resume', id, '--fork-session'], seed);
      const reused = await runOnce(bin, [...STREAM, '--session-id', id], seed);
      shapes[who] = {
        resumeAnswersInitialize: resumed.lines.find((m) => m.type === 'control_response')?.response?.subtype ?? null,
        resumeStdoutTypes: resumed.lines.map((m) => m.type),
        reuseExit: reused.code,
        reuseStderr: reused.stderr.trim().split('\n')[0]?.replaceAll(id, '<ID>'),
      };
      registries[who] = {
        resumeRegistersTheResumedId: resumed.later[0]?.sessionId === id,
        forkRegistersAnotherId: forked.later.length === 1 && forked.later[0].sessionId !== id && UUID_RE.test(forked.later[0].sessionId),
        forkAnswersInitialize: forked.lines.find((m) => m.type === 'control_response')?.response?.subtype ?? null,
        forkWritesNoTranscriptBeforeAMessage: projectFiles(seed).length === 1,
      };
    }
    report.compare(`claude finds a transcript at projects/<cwd, every non-alphanumeric → ->/<id>.jsonl (--resume answers initialize) and refuses --session-id reuse`, shapes.fake, shapes.real);
    report.compare('claude --resume registers the resumed id; --resume --fork-session registers another one (the fork) before any message', registries.fake, registries.real);
  }

  // 7. No login (no key, no OAuth): a synthetic answer flagged authentication_failed, an error result, the transcript kept
  {
    const shape = async (bin) => {
      const box = sandbox();
      if (bin === fakeBin) box.env.BATON_FAKE_FAULTS = 'auth-failed';
      const id = randomUUID();
      const p = launch(bin, [...STREAM, '--session-id', id], { cwd: box.cwd, env: box.env });
      p.send({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'hello' }] }, parent_tool_use_id: null, session_id: id });
      await p.waitFor((ls) => ls.some((m) => m.type === 'result'), 30_000);
      const r = await p.close();
      const a = r.lines.find((m) => m.type === 'assistant');
      const res = r.lines.find((m) => m.type === 'result');
      return {
        stdoutTypes: r.lines.map((m) => (m.type === 'system' ? `system/${m.subtype}` : m.type)),
        assistant: { model: a?.message?.model, error: a?.error, text: a?.message?.content?.map((c) => c.text).join('') },
        result: { subtype: res?.subtype, is_error: res?.is_error, result: res?.result },
        exit: r.code,
        transcriptKept: projectFiles(box).some((f) => f.endsWith(`${id}.jsonl`)),
      };
    };
    report.compare('claude not logged in (fake: fault auth-failed): init, a <synthetic> assistant "Not logged in · Please run /login" with error authentication_failed, an error result, exit 1, transcript kept', await shape(fakeBin), await shape(realBin));
  }

  // 6. Argument errors the driver could hit
  {
    const cases = [
      ['missing --verbose', ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json']],
      ['--session-id not a UUID', [...STREAM, '--session-id', 'nope']],
      ['--session-id with --resume', [...STREAM, '--session-id', randomUUID(), '--resume', randomUUID()]],
    ];
    for (const [name, args] of cases) {
      const shape = async (bin) => {
        const r = await runOnce(bin, args, sandbox());
        return { exit: r.code, stderr: r.stderr.trim().split('\n')[0]?.replace(/[0-9a-f-]{36}/g, '<ID>') };
      };
      report.compare(`claude argument error: ${name}`, await shape(fakeBin), await shape(realBin));
    }
  }
}
