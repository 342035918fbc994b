// Entry of the opt-in fidelity check: runs the Claude and Codex handshake checks for each CLI found, prints a verdict per check.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, Report, runOnce, sandbox } from './harness.mjs';
import { claudeChecks } from './claude-checks.mjs';
import { codexChecks } from './codex-checks.mjs';
import { geminiChecks } from './gemini-checks.mjs';
import { opencodeChecks } from './opencode-checks.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FAKE = Object.fromEntries(['claude', 'codex', 'opencode', 'gemini'].map((n) => [n, join(ROOT, 'test/fakes/bin', n)]));
const PACKAGE = { claude: '@anthropic-ai/claude-code', codex: '@openai/codex', opencode: 'opencode-ai', gemini: '@google/gemini-cli' };
const prefixes = process.argv.slice(2);
const binOf = (prefix, name) => join(resolve(prefix), 'node_modules', '.bin', name);

const report = new Report();
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

let ran = 0;
for (const [i, prefix] of prefixes.entries()) {
  for (const [name, checks] of [['claude', claudeChecks], ['codex', codexChecks], ['opencode', opencodeChecks], ['gemini', geminiChecks]]) {
    // Only the first prefix is searched for OpenCode and Gemini (the second holds an older Codex).
    if (i > 0 && (name === 'opencode' || name === 'gemini')) continue;
    const bin = binOf(prefix, name);
    if (!existsSync(bin)) {
      if (i === 0) report.skip(`${name} checks`, `${bin} is not installed (npm i --prefix ${prefix} ${PACKAGE[name]})`);
      continue;
    }
    const version = (await runOnce(bin, ['--version'], sandbox(), 20_000)).raw[0]?.trim() ?? '?';
    console.log(`\n== ${name}: ${bin} (${version}) vs ${FAKE[name]}`);
    await checks(report, FAKE[name], bin);
    ran++;
  }
}
const count = (v) => report.rows.filter((r) => r.verdict === v).length;
console.log(`\n${count('MATCH')} match, ${count('MISMATCH')} mismatch, ${count('SKIP')} skipped`);
if (ran === 0) console.log('nothing was compared: no real CLI is installed under the given prefix(es)');
process.exit(report.mismatches > 0 ? 1 : 0);
