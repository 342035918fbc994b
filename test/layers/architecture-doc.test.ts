// docs/architecture.md names the files a message passes through: each one it names by path must exist (a file moved
// or merged away must not leave the map pointing at nothing).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

it('every source path in docs/architecture.md exists', () => {
  const doc = readFileSync(resolve(ROOT, 'docs/architecture.md'), 'utf8');
  const paths = [...new Set([...doc.matchAll(/`((?:src|test|bench|e2e|scripts)\/[\w./-]+)`/g)].map((m) => m[1]!))];
  expect(paths.length).toBeGreaterThan(30);
  expect(paths.filter((p) => !existsSync(resolve(ROOT, p)))).toEqual([]);
});
