// Reads at most the first bytes of a file (vendor stores can be large; listing needs only their first lines).
import { open } from 'node:fs/promises';

export async function readHead(path: string, maxBytes = 64 * 1024): Promise<string> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}
