#!/usr/bin/env bash
# Runs every test runner (Playwright, beside it vitest and then vitest again on a throw-away Postgres, then the
# benchmarks in a short run) and ends with one line:
# "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-browsers.sh || { echo "could not install the browsers (chromium, firefox-esr, webkit2gtk-driver, xvfb)"; echo "0 passed, 1 failed"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
mkdir -p .tmp
rm -f .tmp/vitest.json .tmp/playwright.json .tmp/vitest-postgres.json .tmp/bench.json
passed=0; failed=0; skipped=0; status=0
# How long each part took, printed at the end (where the time of a run goes).
timings=(); mark=$SECONDS
lap() { timings+=("$1 $((SECONDS-mark)) s"); mark=$SECONDS; }

# Postgres: a throw-away cluster (scripts/pg-cluster.sh: installs Debian's postgresql when missing, initdb in a temp dir,
# its own free port) for the second pass of the server suites below. Started now, in the background, while the build
# runs; stopped and removed at exit whatever happens.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/baton-pg.XXXXXX")
pw_run=""
cleanup() {
  # Playwright runs in a session of its own (setsid): its whole group goes, browsers and servers with it.
  [ -n "$pw_run" ] && kill -- -"$pw_run" 2>/dev/null
  bash scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pg_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
bash scripts/pg-cluster.sh start "$pg_dir" "$pg_port" >.tmp/pg-url 2>.tmp/pg-cluster.log &
pg_start=$!

# The app (dist/) and the compiled server, daemon and CLI (lib/): the e2e specs and the package test use them.
# Once built, the processes the tests start (`baton server`, daemons, `baton up`, the CLI) run that compiled
# JavaScript, as an installed package does (bin/baton.mjs, BATON_USE_LIB): the same commit, without loading tsx and
# compiling TypeScript in each child (an eighth of the run's CPU). Tests that run the server in their own process
# still import the sources.
if npm run build --silent; then export BATON_USE_LIB=1
else status=1; failed=$((failed+1)); echo "FAILED: npm run build"; fi

lap build
# Types and layers: one tsc project per layer (core without DOM or Node, the worker WebWorker) and the import-boundary check.
for check in "npx tsc -b" "node scripts/check-layers.mjs"; do
  if $check; then passed=$((passed+1)); else failed=$((failed+1)); status=1; echo "FAILED: $check"; fi
done

lap types
# Playwright: the PWA on a phone profile against real processes (the app built above). It runs one spec at a time and
# mostly waits on the browsers, so it runs beside the vitest passes below (in a session of its own, so that the exit
# trap can stop its whole group); its output is printed when it ends.
if ls e2e/*.spec.ts >/dev/null 2>&1; then
  PLAYWRIGHT_JSON_OUTPUT_NAME=.tmp/playwright.json setsid npx playwright test --reporter=list,json >.tmp/playwright.log 2>&1 &
  pw_run=$!
fi

# vitest: unit and integration
npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json
rc=$?; [ $rc -ne 0 ] && status=1
if [ -f .tmp/vitest.json ]; then
  read -r p f s < <(node -e 'const r=require("./.tmp/vitest.json");console.log(r.numPassedTests,r.numFailedTests+(r.numRuntimeErrorTests||0),r.numPendingTests+r.numTodoTests)')
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
else failed=$((failed+1)); fi
[ $rc -ne 0 ] && [ "${f:-0}" = 0 ] && failed=$((failed+1))
lap "vitest (playwright beside it)"

# vitest again on Postgres: the server and integration suites with every test server's home in a schema of its own on
# the cluster (test/helpers/test-database.ts), and test/cluster (several instances on one database, Postgres only).
# Left out, as they are about SQLite itself:
pg_only_sqlite=(
  test/server/storage.test.ts                # baton.db's file modes, SQLite's synchronous = FULL, --max-db-mb (SQLite's page cap)
  test/server/lost-turns-migration.test.ts   # upgrades an old SQLite file through SQLite migration 21
  test/integration/apply-failed.test.ts      # makes SQLite refuse writes with a trigger on baton.db
  # and, about the daemon's drivers and its folder policy (the server's part in them is the session step the server
  # suites above already run on Postgres; they took a fifth of the pass):
  test/integration/backends.test.ts
  test/integration/vendor-truths.test.ts
  test/integration/codex-mcp.test.ts
  test/integration/cwd-invalid.test.ts
  test/integration/machine-policy.test.ts
  # and the phone hub's hint test, which stands up no database at all
  test/server/phone-hub-hints.test.ts
)
if wait "$pg_start" && pg_url=$(head -1 .tmp/pg-url) && [ -n "$pg_url" ]; then
  pg_excludes=(); for f in "${pg_only_sqlite[@]}"; do pg_excludes+=(--exclude "$f"); done
  echo "--- vitest on Postgres (test/server, test/integration, test/cluster) ---"
  BATON_TEST_POSTGRES="$pg_url" npx vitest run test/server test/integration test/cluster "${pg_excludes[@]}" \
    --reporter=default --reporter=json --outputFile=.tmp/vitest-postgres.json
  rc=$?; [ $rc -ne 0 ] && status=1
  if [ -f .tmp/vitest-postgres.json ]; then
    read -r p f s < <(node -e 'const r=require("./.tmp/vitest-postgres.json");console.log(r.numPassedTests,r.numFailedTests+(r.numRuntimeErrorTests||0),r.numPendingTests+r.numTodoTests)')
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
    [ $rc -ne 0 ] && [ "$f" = 0 ] && failed=$((failed+1))
  else failed=$((failed+1)); echo "FAILED: vitest on Postgres wrote no results"; fi
else
  status=1; failed=$((failed+1))
  echo "FAILED: Postgres could not be installed or started, so the Postgres suites did not run: $(tail -3 .tmp/pg-cluster.log | tr '\n' ' ')"
fi
lap "vitest on Postgres (playwright beside it while it lasted)"

# Playwright, once it ended (before the benchmarks, which it would slow down).
if [ -n "$pw_run" ]; then
  wait "$pw_run"; rc=$?; pw_run=""
  echo "--- Playwright (e2e) ---"
  cat .tmp/playwright.log
  [ $rc -ne 0 ] && status=1
  if [ -f .tmp/playwright.json ]; then
    read -r p f s < <(node -e 'const s=require("./.tmp/playwright.json").stats;console.log(s.expected,s.unexpected+s.flaky,s.skipped)')
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
    [ $rc -ne 0 ] && [ "$f" = 0 ] && failed=$((failed+1))
  else failed=$((failed+1)); echo "FAILED: Playwright wrote no results"; fi
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

lap bench
echo "--- time: ${timings[*]/%/;} total $SECONDS s ---"
# What failed, by name, just above the count (the end of the log is often all a CI page shows).
node scripts/list-failures.mjs vitest=.tmp/vitest.json playwright=.tmp/playwright.json \
  vitest-postgres=.tmp/vitest-postgres.json bench=.tmp/bench.json
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
