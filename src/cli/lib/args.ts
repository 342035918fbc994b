// Flag parsing for commands: node's parseArgs, strict, with a usage error that names the bad flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usage } from './cli-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = { args: string[]; options: O & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true; strict: true };

export function parseFlags<O extends Options>(args: string[], options: O, usageLine: string): ReturnType<typeof parseArgs<Config<O>>> {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage(`${e instanceof Error ? e.message : String(e)}\nusage: ${usageLine}`);
  }
}

export function positional(positionals: string[], index: number, name: string, usageLine: string): string {
  const v = positionals[index];
  if (!v) throw usage(`missing <${name}>\nusage: ${usageLine}`);
  return v;
}
