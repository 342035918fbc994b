#!/usr/bin/env node
// The import-boundary check: each layer of src/ imports only the layers it may (DESIGN "Layout"), and
// core and the app never reach Node. `tsc -b` enforces the same through project references; this says it
// in one line per offending import, and runs in a second.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which layers each layer may import (itself always). cli is the composition root. */
export const ALLOWED = {
  core: [],
  server: ['core'],
  machine: ['core'],
  app: ['core'],
  cli: ['core', 'server', 'machine'],
};
/** Packages a pure layer may import: core is the language plus its schema library. */
const PURE_PACKAGES = { core: ['valibot'] };
const NO_NODE = new Set(['core', 'app']);

const IMPORT_RE = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])import\s+['"]([^'"]+)['"]/g;

function* sourceFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx|mts)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) yield p;
  }
}

/** Every import in `srcDir` that crosses a boundary it may not, as `file: reason`. */
export function checkLayers(srcDir) {
  const problems = [];
  for (const file of sourceFiles(srcDir)) {
    const layer = relative(srcDir, file).split(sep)[0];
    if (!(layer in ALLOWED)) continue;
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const where = relative(srcDir, file);
      if (spec.startsWith('.')) {
        const target = relative(srcDir, resolve(dirname(file), spec)).split(sep)[0];
        if (target !== layer && !ALLOWED[layer].includes(target)) problems.push(`${where}: ${layer} may not import ${target} (${spec})`);
      } else if (spec.startsWith('node:') || spec === 'fs' || spec === 'path') {
        if (NO_NODE.has(layer)) problems.push(`${where}: ${layer} may not import Node (${spec})`);
      } else if (PURE_PACKAGES[layer] && !PURE_PACKAGES[layer].includes(spec.split('/')[0])) {
        problems.push(`${where}: ${layer} may import only ${PURE_PACKAGES[layer].join(', ')} (${spec})`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkLayers(src);
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? 'layers: every import stays within its layer' : `layers: ${problems.length} import(s) cross a boundary`);
  process.exit(problems.length === 0 ? 0 : 1);
}
