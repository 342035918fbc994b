// The `baton` command: one thin parser that lazy-imports each ./commands/<name>.ts and turns any error into one line.
import { CliError, EXIT } from './lib/cli-error.ts';

const COMMANDS = {
  up: 'run the server, this machine’s daemon and the app; print a pairing link and QR code',
  server: 'run the server alone',
  daemon: 'run this machine’s daemon against a server (pairs with --code on first run)',
  pair: 'pair this terminal or make a pairing code for a phone',
  run: 'start a managed session: baton run <provider> [--backend B] [--cwd DIR] [--title T] [--detach] [--json]',
  sessions: 'list sessions: baton sessions [--json]',
  attach: 'follow a live session and type messages: baton attach <id>',
  resume: 'strictly resume an inactive session with a message, then attach: baton resume <id> [--message TEXT]',
  send: 'send a message the way the phone does: baton send <id> <text> [--wait accepted|delivered|answered] [--json]',
  stop: 'stop a session’s agent: baton stop <id>',
  archive: 'archive a session (it will never be resumed until unarchived): baton archive <id>',
  unarchive: 'unarchive a session: baton unarchive <id>',
  takeover: 'manage a direct (vendor-started) session from now on: baton takeover <id>',
  doctor: 'check installed agent CLIs, which backends can resume, the local daemon and the server',
} as const;

type Command = { run(args: string[]): Promise<number> };
/** Each command is loaded only when it runs (static paths, so the compiled CLI finds them too). */
const LOADERS: Readonly<Record<keyof typeof COMMANDS, () => Promise<Command>>> = {
  up: () => import('./commands/up.ts'),
  server: () => import('./commands/server.ts'),
  daemon: () => import('./commands/daemon.ts'),
  pair: () => import('./commands/pair.ts'),
  run: () => import('./commands/run.ts'),
  sessions: () => import('./commands/sessions.ts'),
  attach: () => import('./commands/attach.ts'),
  resume: () => import('./commands/resume.ts'),
  send: () => import('./commands/send.ts'),
  stop: () => import('./commands/stop.ts'),
  archive: () => import('./commands/archive.ts'),
  unarchive: () => import('./commands/unarchive.ts'),
  takeover: () => import('./commands/takeover.ts'),
  doctor: () => import('./commands/doctor.ts'),
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'baton — continue your coding agent sessions from your phone, without forks.',
    '',
    'usage: baton <command> [options]   (every command takes --home DIR; default $BATON_HOME or ~/.baton)',
    '',
    ...Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(width)}  ${d}`),
    '',
    'Run `baton <command> --help` for its options.',
    'exit codes: 0 done, 1 the operation failed (the reason code is printed), 2 bad usage',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('baton 0.1.0\n');
    return EXIT.ok;
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new CliError(`unknown command "${name}" (see baton --help)`, EXIT.usage);
  const mod = await LOADERS[name as keyof typeof COMMANDS]();
  return mod.run(rest);
}

// `baton sessions | head`: a reader that went away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`baton: ${message}\n`);
    if (!(e instanceof CliError) && process.env.BATON_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : EXIT.failed;
  },
);
