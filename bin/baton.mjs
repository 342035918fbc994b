#!/usr/bin/env node
// The `baton` command. Installed from a package it runs the compiled JavaScript in lib/; in a checkout
// (src/ beside it) it runs the TypeScript source through tsx, so what you edit is what runs.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
if (checkout && process.env.BATON_USE_LIB !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else if (existsSync(new URL('../lib/cli/main.js', import.meta.url))) {
  await import('../lib/cli/main.js');
} else {
  console.error('baton: lib/ is missing — run `npm run build` first');
  process.exit(1);
}
