// Names every failed test from the runners' JSON reports, so that the end of a CI log (often all one gets to see)
// says what failed, not only how many. Usage: node scripts/list-failures.mjs label=file.json ...
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const firstLine = (text) => String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n')[0].slice(0, 240);
const lines = [];

function vitest(label, report) {
  for (const file of report.testResults ?? []) {
    const where = relative(process.cwd(), file.name);
    const failed = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failed) lines.push(`${label} ${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    if (file.status === 'failed' && failed.length === 0) lines.push(`${label} ${where}: ${firstLine(file.message)}`);
  }
}

function playwright(label, report) {
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const error = test.results?.at(-1)?.errors?.[0]?.message;
        lines.push(`${label} ${spec.file}:${spec.line} › ${spec.title} [${test.projectName}]: ${firstLine(error)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  for (const error of report.errors ?? []) lines.push(`${label}: ${firstLine(error.message)}`);
}

for (const argument of process.argv.slice(2)) {
  const [label, file] = argument.split('=');
  if (!existsSync(file)) continue;
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    lines.push(`${label}: its report ${file} could not be read (${err.message})`);
    continue;
  }
  if (report.testResults) vitest(label, report);
  else if (report.suites) playwright(label, report);
  else if (Array.isArray(report.failed)) for (const name of report.failed) lines.push(`${label} ${name}: did not run to its end`);
}
if (lines.length > 0) console.log(`--- failed (${lines.length}) ---\n${lines.join('\n')}`);
