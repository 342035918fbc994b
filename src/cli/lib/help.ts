// One format for every command's --help: the usage line, what the command does, and each option.
export type OptionHelp = readonly [flag: string, what: string];

const HOME_OPTION: OptionHelp = ['--home DIR', 'Baton\'s data directory (default $BATON_HOME, else ~/.baton)'];

export function helpText(usageLine: string, summary: string, options: readonly OptionHelp[] = []): string {
  const all = [...options, HOME_OPTION, ['-h, --help', 'show this help'] as const];
  const width = Math.max(...all.map(([f]) => f.length));
  return [`usage: ${usageLine}`, '', summary, '', 'options:', ...all.map(([f, w]) => `  ${f.padEnd(width)}  ${w}`), ''].join('\n');
}
