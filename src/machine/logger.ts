// A tiny injectable logger so services never write to the console directly (tests pass a silent one).
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export function consoleLogger(prefix = 'baton daemon'): Logger {
  const line = (level: string, msg: string) => process.stderr.write(`${new Date().toISOString()} ${prefix} ${level}: ${msg}\n`);
  return { info: (m) => line('info', m), warn: (m) => line('warn', m), error: (m) => line('error', m) };
}
