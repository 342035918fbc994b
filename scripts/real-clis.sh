#!/usr/bin/env bash
# Opt-in suite against the real vendor CLIs (NOT part of `npm test`): `npm run test:real-clis [-- <vitest args>]`.
# The CLIs are installed outside the repo, into $BATON_REAL_CLIS_DIR (default ~/.cache/baton-real-clis), once;
# point BATON_REAL_CLIS_DIR at an existing `npm i --prefix` dir to reuse one. Every run uses throw-away homes and
# only loopback model stubs: no account, key or network is needed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${BATON_REAL_CLIS_DIR:-$HOME/.cache/baton-real-clis}"
PACKAGES="${BATON_REAL_CLIS_PACKAGES:-@anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 opencode-ai@1.18.33 @google/gemini-cli@0.61.0}"
missing=0
for bin in claude codex opencode gemini; do [[ -x "$DIR/node_modules/.bin/$bin" ]] || missing=1; done
if [[ $missing -eq 1 ]]; then
  echo "installing the real CLIs into $DIR ($PACKAGES)"
  mkdir -p "$DIR"
  # shellcheck disable=SC2086
  npm i --prefix "$DIR" --no-audit --no-fund --no-save $PACKAGES
fi
cd "$ROOT"
BATON_REAL_CLIS_DIR="$DIR" exec npx vitest run --config vitest.real-clis.config.ts "$@"
