#!/usr/bin/env bash
# Opt-in fidelity check (NOT part of `npm test`): do the fakes in test/fakes/ answer Baton's handshakes like the real CLIs?
#
#   npm i --prefix /tmp/realclis @anthropic-ai/claude-code @openai/codex opencode-ai @google/gemini-cli   # outside the repo
#   bash scripts/check-fakes-against-real-clis.sh /tmp/realclis [/tmp/oldcodex]
#
# The first prefix is searched for node_modules/.bin/{claude,codex,opencode,gemini}, a second one for an older codex;
# a CLI that is missing is skipped with a message.
# A second prefix may hold an older Codex that still has `mcp-server` (e.g. @openai/codex@0.148.0); with a Codex that
# has none (0.169.0), the check compares the fake's `no-mcp-server` fault with the real refusal instead.
# No account, key or model is needed: every check is answered or refused before a model call; each run gets a
# throw-away HOME / CLAUDE_CONFIG_DIR / CODEX_HOME / XDG dirs with telemetry and auto-update off, and every process is
# reaped (OpenCode, offline, is only asked to retry; Gemini never gets a key it could use).
# Prints MATCH / MISMATCH / SKIP per handshake. Exit status: 0 no mismatch (or nothing installed), 1 a mismatch.
# The facts behind the checks are in docs/vendor-protocols.md.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

if [[ $# -lt 1 ]]; then
  echo "usage: bash scripts/check-fakes-against-real-clis.sh <npm prefix with the real CLIs> [<prefix with an older codex>]" >&2
  echo "  e.g. npm i --prefix /tmp/realclis @anthropic-ai/claude-code @openai/codex" >&2
  exit 2
fi
found=0
for prefix in "$@"; do
  for name in claude codex opencode gemini; do
    [[ -x "$prefix/node_modules/.bin/$name" ]] && found=1
  done
done
if [[ $found -eq 0 ]]; then
  echo "SKIP: no real agent CLI under $* (looked for <prefix>/node_modules/.bin/{claude,codex,opencode,gemini})."
  echo "      Install them outside the repo first: npm i --prefix $1 @anthropic-ai/claude-code @openai/codex opencode-ai @google/gemini-cli"
  exit 0
fi
exec node "$ROOT/scripts/fidelity/main.mjs" "$@"
