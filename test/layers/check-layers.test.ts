// The layer rules, checked twice: the import-boundary script and the compiler's project references both
// refuse a deliberate violation, and the real tree passes.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { checkLayers } from '../../scripts/check-layers.mjs';

const root = resolve(import.meta.dirname, '../..');
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-layers-'));
  scratch.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the import-boundary check', () => {
  it('passes on the real tree', () => {
    expect(checkLayers(join(root, 'src'))).toEqual([]);
  });

  it('names each import that crosses a boundary', () => {
    const src = tree({
      'core/a.ts': "import { readFileSync } from 'node:fs';\nimport * as v from 'valibot';\nexport const a = 1;",
      'core/b.ts': "import { x } from '../server/x.ts';\nimport { a } from './a.ts';",
      'server/x.ts': "import { d } from '../machine/d.ts';\nimport { a } from '../core/a.ts';\nexport const x = 1;",
      'machine/d.ts': "export const d = await import('../app/page.ts');",
      'app/page.ts': "import 'node:path';",
      'cli/main.ts': "import '../server/x.ts';\nimport '../machine/d.ts';\nimport '../app/page.ts';",
    });
    expect(checkLayers(src).sort()).toEqual([
      'app/page.ts: app may not import Node (node:path)',
      'cli/main.ts: cli may not import app (../app/page.ts)',
      'core/a.ts: core may not import Node (node:fs)',
      'core/b.ts: core may not import server (../server/x.ts)',
      'machine/d.ts: machine may not import app (../app/page.ts)',
      'server/x.ts: server may not import machine (../machine/d.ts)',
    ]);
  });
});

describe('the compiler', () => {
  it('refuses a server file that imports the daemon (project references), in a copy of the tree', () => {
    const copy = mkdtempSync(join(tmpdir(), 'baton-tsc-'));
    scratch.push(copy);
    for (const f of ['tsconfig.base.json', 'src']) cpSync(join(root, f), join(copy, f), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'tsconfig.json'), JSON.stringify({ files: [], references: [{ path: 'src/server' }] }));
    writeFileSync(join(copy, 'src/server/violation.ts'), "import { createDaemon } from '../machine/daemon.ts';\nexport const d = createDaemon;\n");
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: copy, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/src\/machine\/daemon\.ts' is not under 'rootDir'|is not listed within the file list/);
    // Without the violation the same copy compiles: the failure above is the import, nothing else.
    rmSync(join(copy, 'src/server/violation.ts'));
    expect(() => execFileSync(process.execPath, [tsc, '-b'], { cwd: copy, encoding: 'utf8' })).not.toThrow();
  }, 120_000);
});
