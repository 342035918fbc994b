// WebKitGTK (Safari's engine family): Debian's WebKitWebDriver driving MiniBrowser under xvfb-run, over W3C WebDriver.
//
// The client is a few plain HTTP calls (new session, navigate, find, click, type, execute, screenshot): the
// maintained JavaScript bindings either need Node 22 (selenium-webdriver 4.4x) or bring a driver downloader.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Phone } from './phone.ts';
import { freePort } from '../../test/helpers/free-port.ts';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * MiniBrowser's toolbar holds its window at 447 px or wider; this lets it shrink to a phone's 412. Only the
 * browser's own widgets change; the page is untouched.
 */
const GTK_CSS = `/* MiniBrowser for the e2e tests: let the toolbar shrink so the window can be as narrow as a phone. */
headerbar, headerbar *, toolbar, toolbar *, entry, button { min-width: 0; min-height: 0; padding: 0; margin: 0; }
`;

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export async function webkitPhone(): Promise<Phone> {
  const port = await freePort();
  const config = mkdtempSync(join(tmpdir(), 'baton-webkit-'));
  mkdirSync(join(config, 'gtk-3.0'), { recursive: true });
  writeFileSync(join(config, 'gtk-3.0', 'gtk.css'), GTK_CSS);
  // Its own process group, so closing the phone ends xvfb-run, Xvfb, the driver and MiniBrowser together. (Not
  // WEBKIT_DISABLE_COMPOSITING_MODE: with it, every screenshot after the first hangs.) driver.log has its output.
  const driver: ChildProcess = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', WEBKIT_DRIVER, `--port=${port}`], {
    detached: true,
    stdio: ['ignore', openSync(join(config, 'driver.log'), 'a'), openSync(join(config, 'driver.log'), 'a')],
    env: { ...process.env, XDG_CONFIG_HOME: config, GDK_BACKEND: 'x11' },
  });
  const base = `http://127.0.0.1:${port}`;
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as { value: T & { error?: string; message?: string } };
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? res.status} ${json.value?.message ?? ''}`);
    return json.value;
  };
  const killDriver = () => {
    try {
      if (driver.pid) process.kill(-driver.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let sessionId: string;
  try {
    const end = Date.now() + 20_000;
    for (;;) {
      const ready = await call<{ ready: boolean }>('GET', '/status').then((v) => v.ready, () => false);
      if (ready) break;
      if (Date.now() > end) throw new Error('WebKitWebDriver did not start within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await call<{ sessionId: string }>('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
    });
    sessionId = created.sessionId;
    await call('POST', `/session/${sessionId}/window/rect`, { width: 412, height: 915 });
  } catch (e) {
    killDriver();
    throw e;
  }
  const s = (p: string) => `/session/${sessionId}${p}`;
  const marked = async () => (await call<Record<string, string>>('POST', s('/element'), { using: 'css selector', value: '[data-e2e-target]' }))[ELEMENT]!;
  return {
    engine: 'webkit',
    goto: async (url) => void (await call('POST', s('/url'), { url })),
    reload: async () => void (await call('POST', s('/refresh'), {})),
    eval: async <T,>(expression: string) => {
      // The expression goes into the script's body as is (no eval(), which the app's CSP forbids).
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${expression})).then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e && e.message || e) }));`;
      const r = await call<{ ok?: T; err?: string }>('POST', s('/execute/async'), { script, args: [] });
      if (r.err !== undefined) throw new Error(r.err);
      return r.ok as T;
    },
    clickMarked: async () => void (await call('POST', s(`/element/${await marked()}/click`), {})),
    typeMarked: async (text) => void (await call('POST', s(`/element/${await marked()}/value`), { text })),
    screenshot: async (path) => writeFileSync(path, Buffer.from(await call<string>('GET', s('/screenshot')), 'base64')),
    close: async () => {
      await call('DELETE', s('')).catch(() => {});
      killDriver();
      rmSync(config, { recursive: true, force: true });
    },
  };
}
