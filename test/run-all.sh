#!/usr/bin/env bash
# `npm test`: types, lint and the packaged VSIX (through vscode:prepublish), then every test (unit,
# integration in a real VS Code, end-to-end in Chromium) in one run of Node's test runner. The real
# VS Code (code-server) and Chromium are provisioned first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent package </dev/null
node esbuild.js --tests
bash test/support/provision.sh >/dev/null

shopt -s nullglob
files=(test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts)
TZ="${TZ:-UTC}" node --import tsx --test --test-concurrency=1 "${files[@]}"
