// `baton up`: the server, this machine's daemon (in this process) and the built PWA in one command;
// prints the URLs a phone can use, a pairing link and its QR code. `npm start` runs it.
import { existsSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { createApiClient } from '../lib/api-client.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { batonHome, readCliConfig, readDaemonConfig, writeCliConfig, writeDaemonConfig } from '../lib/config.ts';
import { startDaemon, untilSignal } from '../lib/daemon-runtime.ts';
import { pushContact } from '../lib/push-contact.ts';

const USAGE = 'baton up [--port N] [--host H] [--home DIR] [--public-url URL] [--tls-cert FILE --tls-key FILE] [--trust-proxy] [--app-origin ORIGIN]… [--allow-host NAME]… [--allow-root DIR]… [--start-rate N] [--push-contact URL] [--name NAME] [--no-qr] [--no-compression]';
const HELP = helpText(USAGE, "Runs the Baton server, this machine's daemon and the built app in one process, and prints the URL a\nphone opens, a one-time pairing link and its QR code. Ctrl-C stops everything. `npm start` runs it.", [["--port N", "port to listen on (default 7447; 0 picks a free one)"], ["--host H", "address to bind (default 127.0.0.1; 0.0.0.0 for your network)"], ["--public-url URL", "the URL phones use, for links (e.g. behind a TLS proxy)"], ["--tls-cert FILE", "serve HTTPS with this certificate (with --tls-key)"], ["--tls-key FILE", "the certificate's private key"], ["--trust-proxy", "trust X-Forwarded-* from a reverse proxy"], ["--app-origin ORIGIN", "allow the app served from ORIGIN to call this server (repeatable)"], ["--allow-host NAME", "answer requests for this host name too (repeatable; the public URL, localhost and this machine's addresses always are)"], ["--allow-root DIR", "a folder this machine's agents may work in (repeatable, remembered; default your home, never its dot-directories)"], ["--start-rate N", "sessions a device may start per minute, sustained (default 6, after a burst of 10)"], ["--push-contact URL", "who push services may contact about this server's notifications (mailto: or https:; default the public URL when https)"], ["--name NAME", "this machine's name (default the host name)"], ["--no-qr", "do not print the QR code"], ["--no-compression", "do not compress responses (a reverse proxy in front compresses them)"]]);

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    port: { type: 'string' }, host: { type: 'string' }, home: { type: 'string' }, 'public-url': { type: 'string' },
    'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'trust-proxy': { type: 'boolean' },
    'app-origin': { type: 'string', multiple: true }, 'no-qr': { type: 'boolean' }, name: { type: 'string' },
    'allow-host': { type: 'string', multiple: true }, 'allow-root': { type: 'string', multiple: true }, 'start-rate': { type: 'string' },
    'push-contact': { type: 'string' },
    'no-compression': { type: 'boolean' },
  }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usage(`--port must be a port number, not "${values.port}"`);
  if (!!values['tls-cert'] !== !!values['tls-key']) throw usage('--tls-cert and --tls-key go together');
  const home = batonHome(values.home);
  const host = values.host ?? '127.0.0.1';
  const startRate = values['start-rate'] === undefined ? undefined : Number(values['start-rate']);
  if (startRate !== undefined && !(startRate > 0)) throw usage('--start-rate must be a positive number of sessions per minute');

  const { startServer, DEFAULT_PORT } = await import('../../server/index.ts');
  const staticDir = builtApp();
  const server = await startServer({
    home, port: port ?? DEFAULT_PORT, host, staticDir,
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    ...(values['tls-cert'] && values['tls-key'] ? { tls: { cert: values['tls-cert'], key: values['tls-key'] } } : {}),
    ...(values['trust-proxy'] ? { trustProxy: true } : {}),
    ...(values['app-origin'] ? { appOrigins: values['app-origin'] } : {}),
    ...(values['allow-host'] ? { allowedHosts: values['allow-host'] } : {}),
    ...(startRate !== undefined ? { rateLimits: { startPerSecond: startRate / 60, startBurst: Math.max(10, Math.ceil(startRate)) } } : {}),
    ...(values['push-contact'] ? { push: { contact: pushContact(values['push-contact']) } } : {}),
    ...(values['no-compression'] ? { compression: false } : {}),
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') throw new CliError(`${host}:${port ?? DEFAULT_PORT} is already in use (is Baton already up?); pick another port with --port`);
    throw e;
  });
  const stopAll: (() => Promise<void>)[] = [() => server.stop()];
  try {
    const account = server.admin.defaultAccount();

    // The terminal's own token, so `baton sessions`, `send`, `attach` … work against this server.
    const cli = readCliConfig(home);
    if (!cli?.token || !(await tokenWorks(server.url, cli.token))) {
      writeCliConfig(home, { serverUrl: server.url, token: server.admin.issueToken(account, 'cli', `${hostname()} terminal`).token });
    } else if (cli.serverUrl !== server.url) {
      writeCliConfig(home, { ...cli, serverUrl: server.url });
    }

    // This machine's daemon, paired once and kept (its sessions belong to that machine id).
    const name = values.name ?? readDaemonConfig(home)?.name ?? hostname();
    let daemonConfig = readDaemonConfig(home);
    if (!daemonConfig?.token) {
      const issued = server.admin.issueToken(account, 'machine', name);
      daemonConfig = { serverUrl: server.url, token: issued.token, name, machineId: issued.machineId };
    }
    const allowRoots = values['allow-root']?.map((r) => r.trim()).filter((r) => r !== '').map((r) => resolve(r));
    if (allowRoots?.length === 0) throw usage('--allow-root needs a folder');
    daemonConfig = { ...daemonConfig, serverUrl: server.url, name, ...(allowRoots ? { allowRoots } : {}) };
    writeDaemonConfig(home, daemonConfig);
    const { done, fatal } = untilSignal();
    const roots = allowRoots ?? (process.env.BATON_ALLOW_ROOTS ? [] : daemonConfig.allowRoots ?? []);
    const daemon = await startDaemon({ home, serverUrl: server.url, token: daemonConfig.token, name, onFatal: fatal, allowRoots: roots });
    stopAll.unshift(() => daemon.stop());

    const { code } = server.admin.createPairingCode(account, 'phone');
    const urls = phoneUrls(server.url, host, values['public-url']);
    const link = (u: string) => `${u}/#/pair?code=${encodeURIComponent(code)}&server=${encodeURIComponent(u)}`;
    const out = process.stdout;
    out.write(`\nBaton is up (home ${home})${staticDir ? '' : ' — the app is not built yet: run `npm run build` to serve it'}\n\n`);
    out.write(`Open on your phone:\n${urls.map((u) => `  ${u}`).join('\n')}\n\n`);
    out.write(`Pair it (one-time code ${code}, valid 10 minutes):\n  ${link(urls[0]!)}\n`);
    if (!urls[0]!.startsWith('https:') && !/\/\/(127\.0\.0\.1|localhost|\[::1\])/.test(urls[0]!)) {
      out.write('  (an installable, offline app needs HTTPS: see README "Reaching the phone")\n');
    }
    if (!values['no-qr']) {
      const qr = (await import('qrcode-terminal')).default;
      qr.generate(link(urls[0]!), { small: true }, (s) => out.write(`\n${s}\n`));
    }
    out.write(`This machine's daemon is running as "${name}". Ctrl-C stops everything.\n`);
    const reason = await done;
    if (reason) throw new CliError(reason);
    return 0;
  } finally {
    for (const stop of stopAll) await stop().catch(() => {});
  }
}

/** dist/ of this package (or BATON_APP_DIR, e.g. a test's own build) when it holds a built app. */
function builtApp(): string | null {
  const dir = process.env.BATON_APP_DIR ? resolve(process.env.BATON_APP_DIR) : resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

async function tokenWorks(serverUrl: string, token: string): Promise<boolean> {
  try {
    await createApiClient(serverUrl, token).call('listMachines');
    return true;
  } catch {
    return false;
  }
}

/** The public URL if given; else, on a wildcard bind, every LAN IPv4 address; else the listening URL. */
function phoneUrls(url: string, host: string, publicUrl: string | undefined): string[] {
  if (publicUrl) return [publicUrl.replace(/\/+$/, '')];
  if (host !== '0.0.0.0' && host !== '::') return [url];
  const u = new URL(url);
  const lan = Object.values(networkInterfaces()).flat()
    .filter((i): i is NonNullable<typeof i> => !!i && i.family === 'IPv4' && !i.internal)
    .map((i) => `${u.protocol}//${i.address}:${u.port}`);
  return [...lan, url];
}

