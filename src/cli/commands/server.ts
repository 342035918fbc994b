// `baton server`: run the Baton server alone until SIGINT/SIGTERM.
import { networkInterfaces } from 'node:os';
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { batonHome } from '../lib/config.ts';
import { usage } from '../lib/cli-error.ts';
import { pushContact } from '../lib/push-contact.ts';

const USAGE = 'baton server [--port N] [--host H] [--home DIR] [--static DIR] [--public-url URL] [--tls-cert FILE --tls-key FILE] [--trust-proxy] [--app-origin ORIGIN]… [--resume-timeout-ms N] [--send-rate N] [--start-rate N] [--push-contact URL] [--no-compression] [--hold-minutes N] [--allow-host NAME]… [--max-db-mb N] [--database postgres://…] [--lease-seconds N]';
const HELP = helpText(USAGE, "Runs the Baton server alone (machines connect with `baton daemon --server URL`).", [["--port N", "port to listen on (default 7447; 0 picks a free one)"], ["--host H", "address to bind (default 127.0.0.1)"], ["--static DIR", "serve the built app from DIR"], ["--public-url URL", "the URL phones use, for links"], ["--tls-cert FILE", "serve HTTPS with this certificate (with --tls-key)"], ["--tls-key FILE", "the certificate's private key"], ["--trust-proxy", "trust X-Forwarded-* from a reverse proxy"], ["--app-origin ORIGIN", "allow the app served from ORIGIN (repeatable)"], ["--resume-timeout-ms N", "how long a resume may take before it fails with timeout (default 60000)"], ["--send-rate N", "messages a device may send per minute, sustained (default 30, after a burst of 30)"], ["--start-rate N", "sessions a device may start per minute, sustained (default 6, after a burst of 10)"], ["--push-contact URL", "who push services may contact about this server's notifications (mailto: or https:; default the public URL when https)"], ["--no-compression", "do not compress responses (a reverse proxy in front compresses them)"], ["--hold-minutes N", "how long a message for an offline machine waits for it (default 1440 = 24 h; 0 refuses such sends)"], ["--allow-host NAME", "answer requests for this host name too (repeatable; the public URL, localhost and this machine's addresses always are)"], ["--max-db-mb N", "refuse writes (507) once baton.db reaches N MB, as on a full disk"], ["--database URL", "keep the data in Postgres (postgres://user:pass@host:port/db; default BATON_DATABASE_URL, else <home>/baton.db): several servers may share it"], ["--lease-seconds N", "with --database: how long a machine stays this instance's after it stopped renewing (it died); then another instance takes the machine offline (default 10)"]]);

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    home: { type: 'string' },
    static: { type: 'string' },
    'public-url': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'boolean' },
    'app-origin': { type: 'string', multiple: true },
    'resume-timeout-ms': { type: 'string' },
    'send-rate': { type: 'string' },
    'start-rate': { type: 'string' },
    'push-contact': { type: 'string' },
    'no-compression': { type: 'boolean' },
    'hold-minutes': { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    'max-db-mb': { type: 'string' },
    database: { type: 'string' },
    'lease-seconds': { type: 'string' },
  }, USAGE);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usage(`--port must be 0–65535\nusage: ${USAGE}`);
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw usage(`--tls-cert and --tls-key go together\nusage: ${USAGE}`);
  const resumeTimeoutMs = values['resume-timeout-ms'] === undefined ? undefined : Number(values['resume-timeout-ms']);
  if (resumeTimeoutMs !== undefined && !(resumeTimeoutMs > 0)) throw usage(`--resume-timeout-ms must be a positive number\nusage: ${USAGE}`);

  const sendRate = values['send-rate'] === undefined ? undefined : Number(values['send-rate']);
  if (sendRate !== undefined && !(sendRate > 0)) throw usage(`--send-rate must be a positive number of messages per minute\nusage: ${USAGE}`);

  const startRate = values['start-rate'] === undefined ? undefined : Number(values['start-rate']);
  if (startRate !== undefined && !(startRate > 0)) throw usage(`--start-rate must be a positive number of sessions per minute\nusage: ${USAGE}`);

  const holdMinutes = values['hold-minutes'] === undefined ? undefined : Number(values['hold-minutes']);
  if (holdMinutes !== undefined && !(holdMinutes >= 0)) throw usage(`--hold-minutes must be 0 or more\nusage: ${USAGE}`);

  const maxDbMb = values['max-db-mb'] === undefined ? undefined : Number(values['max-db-mb']);
  if (maxDbMb !== undefined && !(maxDbMb > 0)) throw usage(`--max-db-mb must be a positive number of megabytes\nusage: ${USAGE}`);

  const database = values.database ?? (process.env.BATON_DATABASE_URL || undefined);
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database)) throw usage(`--database takes a postgres:// URL (without it the data is in <home>/baton.db)\nusage: ${USAGE}`);
  if (database !== undefined && maxDbMb !== undefined) throw usage(`--max-db-mb caps the embedded SQLite database; a Postgres database is sized in Postgres\nusage: ${USAGE}`);

  const leaseSeconds = values['lease-seconds'] === undefined ? undefined : Number(values['lease-seconds']);
  if (leaseSeconds !== undefined && !(leaseSeconds > 0)) throw usage(`--lease-seconds must be a positive number\nusage: ${USAGE}`);
  if (leaseSeconds !== undefined && database === undefined) throw usage(`--lease-seconds is for several servers on one --database\nusage: ${USAGE}`);

  const { startServer, DEFAULT_PORT } = await import('../../server/index.ts');
  const server = await startServer({
    ...(leaseSeconds !== undefined ? { cluster: { leaseMs: Math.round(leaseSeconds * 1000), sweepMs: Math.min(1000, Math.max(100, Math.round(leaseSeconds * 250))) } } : {}),
    ...(database !== undefined ? { databaseUrl: database } : {}),
    home: batonHome(values.home),
    port: port ?? DEFAULT_PORT,
    host: values.host ?? '127.0.0.1',
    staticDir: values.static ?? null,
    publicUrl: values['public-url'],
    tls: values['tls-cert'] && values['tls-key'] ? { cert: values['tls-cert'], key: values['tls-key'] } : undefined,
    trustProxy: values['trust-proxy'] ?? false,
    appOrigins: values['app-origin'] ?? [],
    resumeTimeoutMs,
    push: values['push-contact'] ? { contact: pushContact(values['push-contact']) } : undefined,
    holdMs: holdMinutes === undefined ? undefined : holdMinutes * 60_000,
    rateLimits: {
      ...(sendRate === undefined ? {} : { sendPerSecond: sendRate / 60, sendBurst: Math.max(30, Math.ceil(sendRate)) }),
      ...(startRate === undefined ? {} : { startPerSecond: startRate / 60, startBurst: Math.max(10, Math.ceil(startRate)) }),
    },
    compression: !values['no-compression'],
    allowedHosts: values['allow-host'] ?? [],
    ...(maxDbMb !== undefined ? { maxDatabaseBytes: Math.round(maxDbMb * 2 ** 20) } : {}),
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`Baton server listening on ${server.url}\n`);
  if (values.host === '0.0.0.0' || values.host === '::') {
    for (const addr of lanAddresses()) process.stdout.write(`  on your network: ${server.url.replace('127.0.0.1', addr)}\n`);
  }

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await server.stop();
  return 0;
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
}
