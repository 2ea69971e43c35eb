# Shared set-up for scripts/start.sh and scripts/test.sh: makes a fresh machine (Node 20 + npm only)
# ready, installing what is missing or stopping with one sentence that says what to run.
set -euo pipefail

say() { printf 'guildserver: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

require_node() {
  command -v node >/dev/null 2>&1 || die "Node.js 20.19 or newer is needed: install it (https://nodejs.org) and run this again."
  local v; v="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js $v is too old: install Node.js 20.19 or newer and run this again."
}

pnpm_ok() { command -v pnpm >/dev/null 2>&1 && pnpm --version 2>/dev/null | grep -q '^10\.'; }

require_pnpm() {
  pnpm_ok && return 0
  say "pnpm 10 is missing; trying corepack first"
  if command -v corepack >/dev/null 2>&1 && COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack enable pnpm >/dev/null 2>&1 \
    && COREPACK_ENABLE_DOWNLOAD_PROMPT=0 pnpm --version 2>/dev/null | grep -q '^10\.'; then
    return 0
  fi
  # corepack's signature check fails against some registries; its broken shim would shadow npm's pnpm.
  command -v corepack >/dev/null 2>&1 && corepack disable pnpm >/dev/null 2>&1 || true
  say "corepack could not provide pnpm; installing it with npm i -g pnpm@10"
  npm i -g pnpm@10 >/dev/null 2>&1 || die "could not install pnpm: run 'sudo npm i -g pnpm@10' and run this again."
  hash -r
  pnpm_ok || die "pnpm 10 is still not on PATH: run 'npm i -g pnpm@10' and add npm's global bin folder to PATH."
}

APT_UPDATED=0
# require_apt <package> <check command...>: installs a Debian package when the check fails.
require_apt() {
  local pkg="$1"; shift
  "$@" >/dev/null 2>&1 && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
      die "the Debian package '$pkg' is missing: run 'sudo apt-get install -y $pkg' and run this again."
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "the package '$pkg' is missing and this is not a Debian/Ubuntu machine: install '$pkg' and run this again."
  say "installing the Debian package $pkg"
  if [ "$APT_UPDATED" -eq 0 ]; then $sudo apt-get update -qq >/dev/null || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null \
    || die "apt-get could not install '$pkg': run 'sudo apt-get install -y $pkg' and look at its error."
}

install_workspace() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  say "installing the workspace's packages (pnpm install)"
  pnpm install --frozen-lockfile --reporter=silent || die "pnpm install failed: check that the npm registry is reachable and run this again."
}

# Expensive artifacts (images, package caches) are built once here, outside the clone, keyed by their inputs.
export GUILDSERVER_CACHE_DIR="${GUILDSERVER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/guildserver}"
mkdir -p "$GUILDSERVER_CACHE_DIR"
