// OpenCode handshakes, fake vs real: `opencode serve` on a port we pick, basic auth, sessions, events and the store.
// No model is reached: offline, the real server's default provider fails and retries, which is itself a check.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { inventedKeys, launch, runOnce, sandbox } from './harness.mjs';

const require = createRequire(import.meta.url);
const PASSWORD = 'fidelity-password';
const auth = { authorization: `Basic ${Buffer.from(`opencode:${PASSWORD}`).toString('base64')}` };

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

/** Starts `serve` with a password on a free port; resolves with the process, the URL line, and a reader of /event. */
async function serve(bin, box, extraEnv = {}) {
  const port = await freePort();
  const env = { ...box.env, OPENCODE_SERVER_PASSWORD: PASSWORD, OPENCODE_DISABLE_AUTOUPDATE: '1', XDG_CONFIG_HOME: join(box.home, '.config'), XDG_CACHE_HOME: join(box.home, '.cache'), ...extraEnv };
  const p = launch(bin, ['serve', '--port', String(port), '--hostname', '127.0.0.1'], { cwd: box.cwd, env, deadlineMs: 180_000 });
  await p.waitFor(() => p.raw.some((l) => l.includes('listening on')), 60_000);
  const url = `http://127.0.0.1:${port}`;
  const q = `?directory=${encodeURIComponent(box.cwd)}`;
  const events = [];
  const abort = new AbortController();
  const res = await fetch(`${url}/event${q}`, { headers: auth, signal: abort.signal });
  void (async () => {
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += Buffer.from(chunk).toString('utf8');
        for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
          const data = buf.slice(0, i).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('');
          try { events.push(JSON.parse(data)); } catch { /* not JSON */ }
        }
      }
    } catch { /* aborted */ }
  })();
  const call = async (method, path, body) => {
    const r = await fetch(`${url}${path}${q}`, { method, headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* empty */ }
    return { status: r.status, headers: r.headers, json };
  };
  const waitEvent = async (pred, ms) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const e = events.find(pred);
      if (e) return e;
    }
    return null;
  };
  return { p, url, port, line: p.raw.find((l) => l.includes('listening on')) ?? '', events, call, waitEvent, stop: () => (abort.abort(), p.close(3_000)) };
}

export async function opencodeChecks(report, fakeBin, realBin) {
  // 1. --version
  {
    const shape = async (bin) => /^\d+\.\d+\.\d+$/.test(((await runOnce(bin, ['--version'], sandbox())).raw[0] ?? '').trim());
    report.compare('opencode --version prints "<x.y.z>"', await shape(fakeBin), await shape(realBin));
  }

  // 2-8. One server each: the URL line, basic auth, session create / get / unknown, events, the store, offline retries.
  const run = async (bin, fake) => {
    const box = sandbox();
    const s = await serve(bin, box, fake ? { BATON_FAKE_FAULTS: 'retry', BATON_FAKE_RETRY_MS: '3000' } : {});
    const out = {};
    out.line = s.line.replace(String(s.port), '<PORT>').trim();
    const anon = await fetch(`${s.url}/session`);
    out.anonymous = { status: anon.status, challenge: anon.headers.get('www-authenticate') };
    const created = await s.call('POST', '/session', {});
    out.created = created;
    const id = created.json?.id;
    out.got = await s.call('GET', `/session/${id}`);
    out.unknown = await s.call('GET', '/session/ses_doesnotexist000000000000');
    out.connected = s.events[0];
    out.sessionCreated = await s.waitEvent((e) => e.type === 'session.created', 5_000);
    const dbPath = join(box.home, '.local', 'share', 'opencode', 'opencode.db');
    out.db = null;
    if (existsSync(dbPath)) {
      const Database = require('better-sqlite3');
      const db = new Database(dbPath, { readonly: true });
      out.db = db.prepare('SELECT id, directory, parent_id, time_archived FROM session').all();
      db.close();
    }
    await s.call('POST', `/session/${id}/prompt_async`, { parts: [{ type: 'text', text: 'hello' }] });
    out.retry = await s.waitEvent((e) => e.type === 'session.status' && e.properties?.status?.type === 'retry', 30_000);
    await s.call('POST', `/session/${id}/abort`);
    await s.stop();
    return { out, id, cwd: box.cwd };
  };
  const fake = await run(fakeBin, true);
  const real = await run(realBin, false);
  report.compare('serve --port N prints "opencode server listening on http://127.0.0.1:N"', fake.out.line, real.out.line);
  report.compare('with OPENCODE_SERVER_PASSWORD a request without it is 401 with a Basic challenge', fake.out.anonymous, real.out.anonymous);
  const sessionShape = (r, x) => ({ status: r.status, id: /^ses_[0-9a-f]{12}[0-9A-Za-z]{14}$/.test(r.json?.id ?? ''), directory: r.json?.directory === x.cwd, title: /^New session - /.test(r.json?.title ?? '') });
  report.compare('POST /session → 200 {id: ses_…, directory, title "New session - <iso>"}', sessionShape(fake.out.created, fake), sessionShape(real.out.created, real));
  const invented = inventedKeys(fake.out.created.json, real.out.created.json);
  report.add('POST /session: the fake sends no field the real server lacks', invented.length === 0 ? 'MATCH' : 'MISMATCH', invented.length ? `invented: ${invented.join(', ')}` : null);
  report.compare('GET /session/:id → 200 with the same id', { status: fake.out.got.status, same: fake.out.got.json?.id === fake.id }, { status: real.out.got.status, same: real.out.got.json?.id === real.id });
  report.compare('GET /session/<unknown> → 404 NotFoundError "Session not found: <id>"', fake.out.unknown, real.out.unknown);
  const evShape = (e) => e && { type: e.type, id: /^evt_/.test(e.id ?? ''), keys: Object.keys(e.properties ?? {}).sort() };
  report.compare('GET /event opens with server.connected; every event has a top-level id', evShape(fake.out.connected), evShape(real.out.connected));
  report.compare('session.created carries {sessionID, info}', evShape(fake.out.sessionCreated), evShape(real.out.sessionCreated));
  const dbShape = (x) => x.out.db?.map((r) => ({ id: r.id === x.id, directory: r.directory === x.cwd, parent: r.parent_id, archived: r.time_archived }));
  report.compare('the session is stored in $XDG_DATA_HOME/opencode/opencode.db (table session)', dbShape(fake), dbShape(real));
  const retryShape = (e) => e && { keys: Object.keys(e.properties.status).sort(), attempt: e.properties.status.attempt, offline: /^Cannot connect to API/.test(e.properties.status.message ?? ''), next: typeof e.properties.status.next };
  report.compare('offline, a prompt retries: session.status {type:"retry", attempt:1, message "Cannot connect to API…", next}', retryShape(fake.out.retry), retryShape(real.out.retry));
}
