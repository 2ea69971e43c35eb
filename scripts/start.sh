#!/usr/bin/env bash
# Starts GuildServer's whole local stack on embedded defaults: a simulated Proxmox VE cluster (realistic
# timings, sped up), Redis, the API and a worker, the Discord bot (against a fake Discord unless DISCORD_TOKEN
# is set); then prints how to drive it with `pnpm gs …`. A child that crashes is restarted, with back-off.
# Ctrl-C stops everything it started. Flags go to `gs up` (see `pnpm gs up --help`), e.g.:
#   bash scripts/start.sh --smoke       create one server, wait until it runs, delete it, stop (for CI)
#   bash scripts/start.sh --data-dir /var/lib/guildserver --time-scale 1
#   bash scripts/start.sh --no-accept-licences    do not accept the games' licences on your behalf
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node
require_pnpm
# The API starts its own redis-server unless REDIS_URL points at one.
if [ -z "${REDIS_URL:-}" ]; then
  require_apt redis-server command -v redis-server
fi
install_workspace
# One process (no pnpm or tsx wrapper in between), so Ctrl-C reaches it once and it stops its children.
exec node --import tsx apps/cli/src/main.ts up "$@"
