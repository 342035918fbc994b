#!/usr/bin/env bash
# Opt-in fidelity check: do the fakes in test/fakes/ answer the strict-resume handshakes like the real CLIs?
#
#   bash scripts/check-fakes-against-real-clis.sh            # installs the real CLIs into a temp prefix (large download)
#   CLAUDE_BIN=/path/claude CODEX_BIN=/path/codex bash scripts/check-fakes-against-real-clis.sh   # use installed ones
#
# NOT part of `npm test`: it needs the npm registry and downloads @anthropic-ai/claude-code and @openai/codex
# (hundreds of MB with Codex's native binaries). No account or API key is needed: every check is a refusal that
# happens before any model call. It compares, fake vs real:
#   1. `claude --version` prints a version;
#   2. `claude -p --input-format stream-json --output-format stream-json --verbose --resume <unknown uuid>` prints a
#      `result` line with is_error=true and errors ["No conversation found with session ID: <uuid>"], and exits non-zero;
#   3. `codex --version` prints a version;
#   4. `codex app-server`: `initialize` answers a result with a string `userAgent`; `thread/resume` of an unknown
#      id answers error code -32600 with "no rollout found for thread id <id>".
# Everything runs with a throw-away HOME / CLAUDE_CONFIG_DIR / CODEX_HOME. Exit status: 0 all match, 1 a mismatch.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/baton-fidelity-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [[ -z "${CLAUDE_BIN:-}" || -z "${CODEX_BIN:-}" ]]; then
  echo "installing the real CLIs into $WORK/prefix (this takes a while)…"
  npm i --prefix "$WORK/prefix" --no-audit --no-fund --loglevel=error @anthropic-ai/claude-code @openai/codex >/dev/null || { echo "npm install failed"; exit 1; }
  CLAUDE_BIN="${CLAUDE_BIN:-$WORK/prefix/node_modules/.bin/claude}"
  CODEX_BIN="${CODEX_BIN:-$WORK/prefix/node_modules/.bin/codex}"
fi
FAKE_CLAUDE="$ROOT/test/fakes/bin/claude"
FAKE_CODEX="$ROOT/test/fakes/bin/codex"

failures=0
check() { # name, fake-output, real-output, node predicate over JSON.parse'd {out, code}
  local name="$1" fake="$2" real="$3" pred="$4"
  local verdict
  verdict="$(FAKE="$fake" REAL="$real" node -e '
    const pred = eval(process.argv[1]);
    const parse = (s) => { try { return JSON.parse(s); } catch { return { raw: s }; } };
    const f = parse(process.env.FAKE), r = parse(process.env.REAL);
    let fo = false, ro = false;
    try { fo = !!pred(f); } catch {}
    try { ro = !!pred(r); } catch {}
    console.log(`${fo && ro ? "MATCH" : "DIFFER"} fake=${fo ? "ok" : "unexpected"} real=${ro ? "ok" : "unexpected"}`);
  ' "$pred")"
  echo "[$verdict] $name"
  if [[ "$verdict" != MATCH* ]]; then
    failures=$((failures + 1))
    echo "  fake: $fake" | cut -c1-600
    echo "  real: $real" | cut -c1-600
  fi
}

sandbox() { # runs a command with a fresh HOME and vendor dirs
  local dir; dir="$(mktemp -d "$WORK/run-XXXXXX")"; mkdir -p "$dir/home" "$dir/cwd"
  (cd "$dir/cwd" && env HOME="$dir/home" CLAUDE_CONFIG_DIR="$dir/home/.claude" CODEX_HOME="$dir/home/.codex" "$@")
}

as_json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({out:s,code:Number(process.argv[1])})))' "$1"; }

# 1 + 3: versions
for pair in "claude:$FAKE_CLAUDE:$CLAUDE_BIN" "codex:$FAKE_CODEX:$CODEX_BIN"; do
  IFS=: read -r name fake real <<<"$pair"
  f="$(sandbox "$fake" --version 2>&1 | as_json 0)"; r="$(sandbox "$real" --version 2>&1 | as_json 0)"
  check "$name --version prints a version" "$f" "$r" '(x) => /\d+\.\d+\.\d+/.test(x.out)'
done

# 2: claude --resume of an unknown id
ID="$(node -e 'console.log(crypto.randomUUID())')"
run_claude() { local out code; out="$(sandbox timeout 60 "$1" -p --input-format stream-json --output-format stream-json --verbose --resume "$ID" </dev/null 2>/dev/null)"; code=$?; printf '%s' "$out" | as_json "$code"; }
f="$(run_claude "$FAKE_CLAUDE")"; r="$(run_claude "$CLAUDE_BIN")"
check "claude --resume <unknown> → result error 'No conversation found…' and non-zero exit" "$f" "$r" \
  "(x) => { const l = x.out.split('\n').filter(Boolean).map((s) => JSON.parse(s)).find((m) => m.type === 'result'); return x.code !== 0 && l.is_error === true && l.errors.includes('No conversation found with session ID: $ID'); }"

# 4: codex app-server initialize + thread/resume of an unknown id
TID="$(node -e 'console.log(crypto.randomUUID())')"
run_codex() {
  { printf '%s\n' '{"id":0,"method":"initialize","params":{"clientInfo":{"name":"baton-fidelity","title":"Baton","version":"0.0.0"}}}' '{"method":"initialized"}' \
      "{\"id\":1,\"method\":\"thread/resume\",\"params\":{\"threadId\":\"$TID\"}}"; sleep 8; } \
    | sandbox timeout 20 "$1" app-server 2>/dev/null | as_json 0
}
f="$(run_codex "$FAKE_CODEX")"; r="$(run_codex "$CODEX_BIN")"
check "codex app-server initialize → result.userAgent" "$f" "$r" \
  "(x) => x.out.split('\n').filter(Boolean).map((s) => JSON.parse(s)).some((m) => m.id === 0 && typeof m.result.userAgent === 'string')"
check "codex app-server thread/resume <unknown> → error -32600 'no rollout found for thread id …'" "$f" "$r" \
  "(x) => x.out.split('\n').filter(Boolean).map((s) => JSON.parse(s)).some((m) => m.id === 1 && m.error.code === -32600 && m.error.message.includes('no rollout found for thread id $TID'))"

echo
if [[ $failures -eq 0 ]]; then echo "fakes match the real CLIs on every checked handshake"; else echo "$failures check(s) differ"; fi
exit $(( failures > 0 ))
