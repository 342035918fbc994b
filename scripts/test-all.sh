#!/usr/bin/env bash
# Runs every test runner (vitest, then Playwright) and ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-browsers.sh || { echo "could not install the browsers (chromium, firefox-esr, webkit2gtk-driver, xvfb)"; echo "0 passed, 1 failed"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
mkdir -p .tmp
passed=0; failed=0; skipped=0; status=0

# vitest: unit and integration
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
rc=$?; [ $rc -ne 0 ] && status=1
if [ -f .tmp/vitest.json ]; then
  read -r p f s < <(node -e 'const r=require("./.tmp/vitest.json");console.log(r.numPassedTests,r.numFailedTests+(r.numRuntimeErrorTests||0),r.numPendingTests+r.numTodoTests)')
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
else failed=$((failed+1)); fi
[ $rc -ne 0 ] && [ "${f:-0}" = 0 ] && failed=$((failed+1))

# Playwright: the PWA on a phone profile against real processes (needs the built app)
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  npm run build --silent || { status=1; failed=$((failed+1)); }
  PLAYWRIGHT_JSON_OUTPUT_NAME=.tmp/playwright.json npx playwright test --reporter=list,json
  rc=$?; [ $rc -ne 0 ] && status=1
  if [ -f .tmp/playwright.json ]; then
    read -r p f s < <(node -e 'const s=require("./.tmp/playwright.json").stats;console.log(s.expected,s.unexpected+s.flaky*0,s.skipped)')
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
    [ $rc -ne 0 ] && [ "$f" = 0 ] && failed=$((failed+1))
  else failed=$((failed+1)); fi
fi

if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
