#!/usr/bin/env bash
# Starts GuildServer on embedded defaults. Today: the Proxmox VE simulator plus a short client demo.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node
require_pnpm
install_workspace
exec pnpm --silent start "$@"
