// `baton pair`: make a one-time pairing code on this home's server database, or pair this terminal with a code.
import { existsSync, readFileSync } from 'node:fs';
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { batonHome, writeCliConfig } from '../lib/config.ts';

const USAGE = 'baton pair [--kind phone|machine|cli] [--json] [--home DIR] [--database URL]   |   baton pair --code CODE --server URL [--name NAME]';
const HELP = helpText(USAGE, "Without --code: makes a one-time pairing code (and link) on the server of this home, for a phone, a\nmachine or a terminal. With --code: pairs this terminal with a server, so `baton sessions`, `send` … work.", [["--kind phone|machine|cli", "what the code will pair (default phone)"], ["--json", "print {code, link, expiresAt}"], ["--code CODE", "pair this terminal with this code"], ["--server URL", "the server to pair with (default the one running on this home)"], ["--name NAME", "how this terminal is shown (default \"terminal\")"], ["--database URL", "the server's Postgres database, when it keeps its data there (default BATON_DATABASE_URL)"]]);
const KINDS = ['phone', 'machine', 'cli'] as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    kind: { type: 'string' },
    json: { type: 'boolean' },
    home: { type: 'string' },
    code: { type: 'string' },
    server: { type: 'string' },
    name: { type: 'string' },
    database: { type: 'string' },
  }, USAGE);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const home = batonHome(values.home);
  if (values.code !== undefined) return pairThisTerminal(home, values.code, values.server, values.name, values.json === true);

  const kind = (values.kind ?? 'phone') as (typeof KINDS)[number];
  if (!KINDS.includes(kind)) throw usage(`--kind must be phone, machine or cli\nusage: ${USAGE}`);
  const { openPairingDatabase } = await import('../../server/pairing-local.ts');
  const database = values.database ?? (process.env.BATON_DATABASE_URL || undefined);
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database)) throw usage(`--database takes a postgres:// URL\nusage: ${USAGE}`);
  const local = openPairingDatabase(home, undefined, database);
  try {
    const code = local.createCode(kind);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ code: code.code, link: code.link, expiresAt: code.expiresAt })}\n`);
    } else {
      const minutes = Math.round((code.expiresAt - Date.now()) / 60_000);
      process.stdout.write(`Pair a ${kind}: open ${code.link}\nor enter the code ${code.code} (one-time, expires in ${minutes} minutes)\n`);
      if (!local.serverRunning) process.stdout.write(`(the server is not running: start it with \`baton server\` or \`baton up\`)\n`);
    }
  } finally {
    local.close();
  }
  return 0;
}

async function pairThisTerminal(home: string, code: string, server: string | undefined, name: string | undefined, json: boolean): Promise<number> {
  const serverUrl = server ?? readLocalServerUrl(home);
  if (!serverUrl) throw usage(`--server URL is needed (no server runs in ${home})\nusage: ${USAGE}`);
  const res = await fetch(`${serverUrl.replace(/\/+$/, '')}/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Any case and surrounding spaces: the server compares codes normalized.
    body: JSON.stringify({ code: code.trim(), kind: 'cli', name: name ?? 'terminal' }),
  });
  const body = (await res.json().catch(() => null)) as { token?: string; error?: { message: string } } | null;
  if (!res.ok || !body?.token) throw new CliError(`pairing failed: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  writeCliConfig(home, { serverUrl, token: body.token });
  process.stdout.write(json ? `${JSON.stringify({ serverUrl, paired: true })}\n` : `Paired this terminal with ${serverUrl}\n`);
  return 0;
}

function readLocalServerUrl(home: string): string | null {
  const path = `${home}/server.json`;
  if (!existsSync(path)) return null;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { url?: string }).url ?? null;
  } catch {
    return null;
  }
}
