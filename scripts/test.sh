#!/usr/bin/env bash
# Runs the whole test suite: typecheck, lint, and every vitest test (unit, simulator, client, proxmoxer).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node
require_pnpm
# The faithfulness test drives the simulator with a real third-party client, Python's proxmoxer.
require_apt python3-proxmoxer /usr/bin/python3 -c 'import proxmoxer, requests'
install_workspace
say "typecheck"; pnpm --silent typecheck
say "lint"; pnpm --silent lint
say "tests"; pnpm --silent test "$@"
