// Several servers from one installed app. The app was installed from a server whose policy still said
// `connect-src 'self'` (played by a proxy in front of the shared `baton up` that rewrites the header, as the old
// release sent it); then that server is upgraded. Adding a second server from the installed app meets the old,
// cached policy, has the worker fetch the server's current one, reloads into it, and pairs — and the second server's
// session shows. Saves the screenshot the README shows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { routeRequest, type RouteArgs, type RouteName, type RouteResponse } from '../src/core/index.ts';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { api, fakeEnv, swControls, until, world, route } from './support/world.ts';

/** A reverse proxy to `target`; while `legacy`, the app shell's policy is the one older releases sent. */
async function shellProxy(target: string): Promise<{ url: string; legacy: boolean; close(): Promise<void> }> {
  const t = new URL(target);
  const state = { legacy: true };
  const server: Server = createServer((req, res) => {
    const upstream = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: { ...req.headers, host: t.host } }, (up: IncomingMessage) => {
      const headers = { ...up.headers };
      const csp = headers['content-security-policy'];
      if (state.legacy && typeof csp === 'string' && (up.headers['content-type'] ?? '').includes('text/html')) {
        headers['content-security-policy'] = csp.replace(/connect-src [^;]*/, "connect-src 'self'");
      }
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The events socket: passed through, with the origin the server knows (its own) in place of the proxy's.
  server.on('upgrade', (req, socket, head) => {
    const up = connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        const value = name.toLowerCase() === 'host' ? t.host : name.toLowerCase() === 'origin' ? t.origin : req.rawHeaders[i + 1]!;
        lines.push(`${name}: ${value}`);
      }
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(world().root, 'bin', 'baton.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function output(child: ChildProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what}: nothing matched ${re} in 30 s:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => fail(new Error(`${what} exited with ${code}:\n${out}`)));
  });
}

test('add a second server from an installed app: it meets the old policy, picks up the new one, and pairs', async ({ page }) => {
  const w = world();
  const env = fakeEnv(w.root, w.tmp);
  const proxy = await shellProxy(w.url);
  const children: ChildProcess[] = [];
  try {
    // The second server, which lets the app's origin (the proxy's) talk to it, and a machine of its own.
    const homeB = join(w.tmp, `server-b-${Date.now()}`);
    const serverB = run(['server', '--port', '0', '--home', homeB, '--app-origin', proxy.url], env);
    children.push(serverB);
    const urlB = (await output(serverB, /listening on (http:\/\/\S+)/, 'server B'))[1]!;
    const code = async (kind: string) => {
      const child = run(['pair', '--kind', kind, '--json', '--home', homeB], env);
      const m = await output(child, /\{.*"code".*\}/, `baton pair --kind ${kind}`);
      return (JSON.parse(m[0]) as { code: string }).code;
    };
    const desktop = run(['daemon', '--server', urlB, '--code', await code('machine'), '--name', 'desktop', '--home', join(w.tmp, `home-desktop-${Date.now()}`)], env);
    children.push(desktop);
    const pair = routeRequest('pair', { body: { code: await code('cli'), name: 'e2e', kind: 'cli' } });
    const cli = await (await fetch(`${urlB}${pair.path}`, { method: pair.method, headers: { 'content-type': 'application/json' }, body: pair.body })).json() as { token: string };
    /** A route of the table on server B, by name. */
    const onB = async <N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>> => {
      const { method, path, body } = routeRequest(name, ...args);
      const res = await fetch(`${urlB}${path}`, { method, headers: { authorization: `Bearer ${cli.token}`, 'content-type': 'application/json' }, ...(body === null ? {} : { body }) });
      return (await res.json()) as RouteResponse<N>;
    };
    const machineB = await until('desktop online', async () => (await onB('listMachines')).machines.find((m) => m.online)?.id);
    const cwd = join(w.tmp, `work-b-${Date.now()}`);
    mkdirSync(cwd, { recursive: true });
    const { session } = await onB('startSession', { body: { machineId: machineB, provider: 'claude', cwd, title: 'On the desktop', message: { clientId: 'b-1', text: 'hello desktop' } } });

    // Install the app from the (old) first server and pair with it.
    const { code: codeA } = await route('createPairingCode', { body: { kind: 'phone' } });
    await page.goto(`${proxy.url}/pair?code=${codeA}&server=${encodeURIComponent(proxy.url)}`);
    await page.getByRole('button', { name: 'Pair this phone' }).click();
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
    await swControls(page);
    // The installed shell carries the old policy.
    const cachedPolicy = () => page.evaluate(async () => {
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const req of await cache.keys()) if (new URL(req.url).pathname === '/index.html') return (await cache.match(req))!.headers.get('content-security-policy');
      }
      return null;
    });
    await until('the shell precached', async () => (await cachedPolicy()) !== null);
    expect(await cachedPolicy()).toContain("connect-src 'self';");

    // The first server is upgraded; the phone, still on its cached shell, adds the second server.
    proxy.legacy = false;
    await page.goto(`${proxy.url}/#/servers`);
    await page.getByRole('button', { name: 'Add a server' }).click();
    await page.getByRole('textbox', { name: 'Server address' }).fill(urlB);
    await page.getByRole('textbox', { name: 'Pairing code' }).fill(await code('phone'));
    await page.getByRole('button', { name: 'Pair this phone' }).click();

    // It reloads into the new policy and finishes pairing: the second server's session is listed.
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible({ timeout: 30_000 });
    await expect(page.locator(`[data-session-id="${session.id}"]`)).toContainText('On the desktop');
    expect(await cachedPolicy()).toContain('connect-src \'self\' http: ws: https: wss:');
    expect(await cachedPolicy()).not.toContain("connect-src 'self';");

    // Both servers in the app, the new one in use; its session opens and is live.
    await page.goto(`${proxy.url}/#/servers`);
    await expect(page.locator('.profile-list > li')).toHaveCount(2);
    await expect(page.locator('.profile-list > li[aria-current="true"]')).toContainText(new URL(urlB).host);
    await page.screenshot({ path: 'docs/screenshots/second-server.png' });
    await page.goto(`${proxy.url}/#/s/${session.id}`);
    await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: hello desktop');
    await expect(page.locator('.freshness.live')).toBeVisible();
  } finally {
    for (const c of children.reverse()) {
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
    }
    await proxy.close();
  }
});
