// Where a server keeps its files under its home, and the port it listens on by default.
import { join } from 'node:path';

export const DEFAULT_PORT = 7447;

export function serverInfoPath(home: string): string {
  return join(home, 'server.json');
}
