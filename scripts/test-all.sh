#!/usr/bin/env bash
# Runs every test runner (vitest, then Playwright, then the benchmarks in a short run) and ends with one line:
# "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-browsers.sh || { echo "could not install the browsers (chromium, firefox-esr, webkit2gtk-driver, xvfb)"; echo "0 passed, 1 failed"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
mkdir -p .tmp
passed=0; failed=0; skipped=0; status=0

# The app (dist/) and the compiled server, daemon and CLI (lib/): the e2e specs and the package test use them.
npm run build --silent || { status=1; failed=$((failed+1)); echo "FAILED: npm run build"; }

# Types and layers: one tsc project per layer (core without DOM or Node, the worker WebWorker) and the import-boundary check.
for check in "npx tsc -b" "node scripts/check-layers.mjs"; do
  if $check; then passed=$((passed+1)); else failed=$((failed+1)); status=1; echo "FAILED: $check"; fi
done

# vitest: unit and integration
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
rc=$?; [ $rc -ne 0 ] && status=1
if [ -f .tmp/vitest.json ]; then
  read -r p f s < <(node -e 'const r=require("./.tmp/vitest.json");console.log(r.numPassedTests,r.numFailedTests+(r.numRuntimeErrorTests||0),r.numPendingTests+r.numTodoTests)')
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
else failed=$((failed+1)); fi
[ $rc -ne 0 ] && [ "${f:-0}" = 0 ] && failed=$((failed+1))

# Playwright: the PWA on a phone profile against real processes (the app built above)
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  PLAYWRIGHT_JSON_OUTPUT_NAME=.tmp/playwright.json npx playwright test --reporter=list,json
  rc=$?; [ $rc -ne 0 ] && status=1
  if [ -f .tmp/playwright.json ]; then
    read -r p f s < <(node -e 'const s=require("./.tmp/playwright.json").stats;console.log(s.expected,s.unexpected+s.flaky*0,s.skipped)')
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
    [ $rc -ne 0 ] && [ "$f" = 0 ] && failed=$((failed+1))
  else failed=$((failed+1)); fi
fi

# The benchmarks, short (fewer iterations, no budget judged): each benchmark that runs to the end counts as one
# test passed, one that fails to run as one failed. They reuse the app Playwright just built.
rm -f .tmp/bench.json
if [ -f dist/index.html ]; then dist_env=(env "BATON_BENCH_DIST=$PWD/dist"); else dist_env=(env); fi
"${dist_env[@]}" node bin/run-ts.mjs bench/run.ts --short --summary .tmp/bench.json
rc=$?; [ $rc -ne 0 ] && status=1
if [ -f .tmp/bench.json ]; then
  read -r p f < <(node -e 'const s=require("./.tmp/bench.json");console.log(s.ran,s.failed.length)')
  passed=$((passed+p)); failed=$((failed+f))
  [ $rc -ne 0 ] && [ "$f" = 0 ] && failed=$((failed+1))
else failed=$((failed+1)); fi

if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
