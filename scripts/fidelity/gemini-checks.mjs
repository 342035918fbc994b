// Gemini CLI handshakes, fake vs real: `gemini --acp` (ACP JSON-RPC 2.0), its chat store, auth errors, and stopping it.
// No model is reached: every check is answered or refused before a model call.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inventedKeys, launch, runOnce, sandbox } from './harness.mjs';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } } };
const byId = (lines, id) => lines.find((m) => m.id === id && m.method === undefined);

/** One ACP conversation: initialize, then `steps` (each waited for by id), stdin kept open meanwhile. */
async function acp(bin, box, steps, env = {}) {
  const p = launch(bin, ['--acp'], { cwd: box.cwd, env: { ...box.env, ...env }, deadlineMs: 60_000 });
  p.send(INIT);
  await p.waitFor((ls) => byId(ls, 1), 30_000);
  for (const step of steps) {
    p.send({ jsonrpc: '2.0', ...step });
    await p.waitFor((ls) => byId(ls, step.id), 30_000);
  }
  await p.close(8_000);
  return p;
}

function chats(box) {
  const tmp = join(box.home, '.gemini', 'tmp');
  if (!existsSync(tmp)) return [];
  const out = [];
  for (const project of readdirSync(tmp)) {
    const dir = join(tmp, project, 'chats');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) out.push({ project, name: f, lines: readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) });
  }
  return out;
}
const errorOf = (m) => m?.error && { code: m.error.code, message: m.error.message, details: m.error.data?.details };

export async function geminiChecks(report, fakeBin, realBin) {
  // 1. --version
  {
    const shape = async (bin) => /^\d+\.\d+\.\d+$/.test(((await runOnce(bin, ['--version'], sandbox())).raw[0] ?? '').trim());
    report.compare('gemini --version prints "<x.y.z>"', await shape(fakeBin), await shape(realBin));
  }

  // 2-3. initialize: what it advertises, and the start-up chat it records for its cwd.
  {
    const run = async (bin) => {
      const box = sandbox();
      const p = await acp(bin, box, []);
      return { init: byId(p.lines, 1)?.result, chats: chats(box), box };
    };
    const [fake, real] = [await run(fakeBin), await run(realBin)];
    const shape = (r) => ({
      protocolVersion: r.init?.protocolVersion, loadSession: r.init?.agentCapabilities?.loadSession,
      methods: (r.init?.authMethods ?? []).map((m) => m.id).filter((id) => ['oauth-personal', 'gemini-api-key', 'vertex-ai'].includes(id)),
    });
    report.compare('initialize → protocolVersion 1, loadSession, authMethods oauth-personal / gemini-api-key / vertex-ai', shape(fake), shape(real));
    const invented = inventedKeys(fake.init, real.init);
    report.add('initialize: the fake sends no field the real agent lacks', invented.length ? 'MISMATCH' : 'MATCH', invented.length ? `invented: ${invented.join(', ')}` : null);
    const chatShape = (r) => r.chats.map((c) => ({
      project: c.project,
      name: /^session-\d{4}-\d\d-\d\dT\d\d-\d\d-[0-9a-f]{8}\.jsonl$/.test(c.name),
      first: Object.keys(c.lines[0] ?? {}).sort(),
      context: /^<session_context>/.test(c.lines[1]?.$set?.messages?.[0]?.content?.[0]?.text ?? ''),
      projects: JSON.parse(readFileSync(join(r.box.home, '.gemini', 'projects.json'), 'utf8')).projects[r.box.cwd] !== undefined,
    }));
    report.compare('initialize alone records one start-up chat (jsonl, <session_context> first) under a projects.json name', chatShape(fake), chatShape(real));
  }

  // 4. session/new without any key
  {
    const run = async (bin) => {
      const box = sandbox();
      const p = await acp(bin, box, [{ id: 2, method: 'session/new', params: { cwd: box.cwd, mcpServers: [] } }]);
      return errorOf(byId(p.lines, 2));
    };
    report.compare('session/new with no key and no login → -32000 "Gemini API key is missing or not configured."', await run(fakeBin), await run(realBin));
  }

  // 5-6. session/load of an id this project never had: with a key but no authenticate and no settings, then after authenticate.
  {
    const run = async (bin, authenticate) => {
      const box = sandbox();
      const load = { id: 3, method: 'session/load', params: { sessionId: randomUUID(), cwd: box.cwd, mcpServers: [] } };
      const steps = authenticate ? [{ id: 2, method: 'authenticate', params: { methodId: 'gemini-api-key' } }, load] : [load];
      const p = await acp(bin, box, steps, { GEMINI_API_KEY: 'fidelity-key' });
      return { auth: authenticate ? byId(p.lines, 2)?.result ?? errorOf(byId(p.lines, 2)) : null, load: errorOf(byId(p.lines, 3)) };
    };
    report.compare('session/load before authenticate, no auth selected in settings → -32000 "Authentication required"', await run(fakeBin, false), await run(realBin, false));
    report.compare('authenticate gemini-api-key → {}; then an unknown id in an empty project → -32603 "No previous sessions found for this project."', await run(fakeBin, true), await run(realBin, true));
  }

  // 7. session/new with the key in the environment: a uuid, a recorded chat, and the auth method remembered in settings.
  {
    const run = async (bin) => {
      const box = sandbox();
      const p = await acp(bin, box, [{ id: 2, method: 'session/new', params: { cwd: box.cwd, mcpServers: [] } }], { GEMINI_API_KEY: 'fidelity-key' });
      const id = byId(p.lines, 2)?.result?.sessionId ?? '';
      const settings = existsSync(join(box.home, '.gemini', 'settings.json')) ? JSON.parse(readFileSync(join(box.home, '.gemini', 'settings.json'), 'utf8')) : null;
      return { uuid: /^[0-9a-f-]{36}$/.test(id), chat: chats(box).some((c) => c.name.endsWith(`-${id.slice(0, 8)}.jsonl`)), selected: settings?.security?.auth?.selectedType ?? null };
    };
    report.compare('session/new with GEMINI_API_KEY set → a uuid, its chat file, settings select gemini-api-key', await run(fakeBin), await run(realBin));
  }

  // 8. Stopping: SIGTERM is ignored while stdin is open; closing stdin ends it with 0.
  {
    const run = async (bin) => {
      const box = sandbox();
      const p = launch(bin, ['--acp'], { cwd: box.cwd, env: box.env, deadlineMs: 60_000 });
      p.send(INIT);
      await p.waitFor((ls) => byId(ls, 1), 30_000);
      let alive = true;
      void p.exited.then(() => (alive = false));
      const term = async (pid) => {
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
        await new Promise((r) => setTimeout(r, 2_000));
        return alive;
      };
      const wrapperOnly = await term(p.pid);
      const group = await term(-p.pid);
      await p.close(8_000);
      return { survivesSigtermToWrapper: wrapperOnly, survivesSigtermToGroup: group };
    };
    report.compare('SIGTERM to the wrapper pid alone is ignored (stdin open); SIGTERM to its process group ends it', await run(fakeBin), await run(realBin));
    const closing = async (bin) => {
      const box = sandbox();
      const p = launch(bin, ['--acp'], { cwd: box.cwd, env: box.env, deadlineMs: 60_000 });
      p.send(INIT);
      await p.waitFor((ls) => byId(ls, 1), 30_000);
      return (await p.close(8_000)).code;
    };
    report.compare('closing stdin ends it with exit code 0', await closing(fakeBin), await closing(realBin));
  }
}
