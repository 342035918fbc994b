// Socket close codes are named once, in src/core/socket-codes.ts: no number stands for one anywhere else in src.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/core/socket-codes.ts';

const src = resolve(import.meta.dirname, '../../src');

/** Lines that use a number as a close code: `.close(4401…`, `code === 4400`, or one of ours outside core (1000 aside: it is also a second). */
function closeCodeLiterals(text: string): string[] {
  const ours = Object.values(CloseCode).filter((c) => c !== 1000).join('|');
  const patterns = [/\.close\(\s*\d/, /\bcode\s*[!=]==?\s*\d{4}\b/, /\b\d{4}\s*[!=]==?\s*code\b/, new RegExp(`(?<![\\w.])(?:${ours})(?![\\w.])`)];
  return text.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && patterns.some((p) => p.test(line)));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe('close codes', () => {
  it('are never written as numbers outside src/core', () => {
    const found = sources(src)
      .filter((f) => !relative(src, f).startsWith('core'))
      .flatMap((f) => closeCodeLiterals(readFileSync(f, 'utf8')).map((line) => `${relative(src, f)}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it('the check finds each way a number can stand for one', () => {
    expect(closeCodeLiterals(['ws.close(4401, "revoked");', 'if (code === 4400) stop();', 'const c = 4500;', 'sock.close(1000);', 'if (4409 !== code) x();'].join('\n'))).toHaveLength(5);
    expect(closeCodeLiterals(['ws.close(CloseCode.unauthorized, r);', 'setTimeout(f, 1000);', 'const port = 4096;', '// closes with 4401'].join('\n'))).toEqual([]);
  });

  it('each one is a distinct number, 1000 or one of the application range', () => {
    const codes = Object.values(CloseCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c === 1000 || (c >= 4000 && c <= 4999), String(c)).toBe(true);
  });
});
