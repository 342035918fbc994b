// The package installs: `npm pack` gives a tarball whose `baton up` runs on a clean prefix, from compiled
// JavaScript (no TypeScript loader shipped), serving the built app.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'baton-pack-'));
let up: ChildProcess | null = null;
afterAll(() => {
  up?.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
});

const npm = (args: string[], cwd = root, env: NodeJS.ProcessEnv = {}) => execFileSync('npm', args, {
  cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', ...env },
});

/**
 * better-sqlite3's install looks for a prebuilt addon before it compiles one (about a minute here, where its download cannot
 * reach GitHub): the one this checkout already built is offered to it as a local prebuild, in the file name
 * prebuild-install looks for. What the test proves is Baton's package, not SQLite's compile.
 */
function localPrebuild(): NodeJS.ProcessEnv {
  const addon = join(root, 'node_modules/better-sqlite3');
  if (!existsSync(join(addon, 'build/Release/better_sqlite3.node'))) return {};
  const { version } = JSON.parse(readFileSync(join(addon, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmp, 'prebuilds');
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, name), '-C', addon, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

it('installs from `npm pack` into a fresh prefix and `baton up` answers', async () => {
  // `npm test` builds first; a lone run of this file builds here.
  if (!existsSync(join(root, 'lib/cli/main.js')) || !existsSync(join(root, 'dist/index.html'))) npm(['run', 'build', '--silent']);
  const packed = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp]).trim().split('\n').pop()!;
  const prefix = join(tmp, 'prefix');
  npm(['install', '-g', '--prefer-offline', '--prefix', prefix, join(tmp, packed)], tmp, localPrebuild());

  const installed = join(prefix, 'lib/node_modules/baton');
  expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(['bin', 'dist', 'lib', 'package.json']));
  expect(existsSync(join(installed, 'src')), 'sources are not shipped').toBe(false);
  expect(existsSync(join(installed, 'node_modules/tsx')), 'no TypeScript loader at run time').toBe(false);

  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:/usr/bin:/bin` };
  delete env.BATON_HOME;
  up = spawn(join(prefix, 'bin/baton'), ['up', '--port', '0', '--home', join(tmp, 'home'), '--no-qr', '--name', 'packed'], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no pairing link in 30 s:\n${out}`)), 30_000);
    const read = (b: Buffer) => {
      out += b.toString();
      const m = /(https?:\/\/127\.0\.0\.1:\d+)\/#\/pair\?/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    up!.stdout!.on('data', read);
    up!.stderr!.on('data', read);
    up!.once('exit', (code) => fail(new Error(`baton up exited ${code}:\n${out}`)));
  });
  expect(await (await fetch(`${url}/api/health`)).json()).toMatchObject({ ok: true });
  const page = await (await fetch(`${url}/`)).text();
  expect(page).toContain('<title>Baton</title>');
}, 300_000);
