#!/usr/bin/env bash
# Runs the whole test suite: typecheck, lint, and every vitest test (unit, simulator, client, proxmoxer,
# Ansible playbooks, real game installs).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node
require_pnpm
# The faithfulness test drives the simulator with a real third-party client, Python's proxmoxer.
require_apt python3-proxmoxer /usr/bin/python3 -c 'import proxmoxer, requests'
# The cloud-init snippets are checked with cloud-init's own schema validator.
require_apt cloud-init command -v cloud-init
# The job queue's tests run against a real redis-server the suite starts itself.
require_apt redis-server command -v redis-server
# The playbooks are checked with Ansible's own tools, and the Debian-packaged games' playbooks run for real
# against a Debian bookworm root (debootstrap) booted with systemd-nspawn; the root and the .deb files it
# installs are cached in $GUILDSERVER_CACHE_DIR.
require_apt ansible command -v ansible-playbook
require_apt ansible-lint command -v ansible-lint
require_apt debootstrap command -v debootstrap
require_apt systemd-container command -v systemd-nspawn
# The real-VM lab: the template image (debootstrap + mkfs.ext4), VMs under QEMU (KVM, else TCG) with their
# cloud-init seed ISO, in a network namespace with a bridge, dnsmasq's DHCP and an nftables fence.
require_apt qemu-system-x86 command -v qemu-system-x86_64
require_apt qemu-utils command -v qemu-img
require_apt dnsmasq-base command -v dnsmasq
require_apt genisoimage command -v genisoimage
require_apt nftables command -v nft
# The edge forgets the flows to a port it closed with conntrack's tool.
require_apt conntrack command -v conntrack
install_workspace
say "typecheck"; pnpm --silent typecheck
say "lint"; pnpm --silent lint
say "tests"
report="$(mktemp -t guildserver-vitest-XXXXXX.json)"
status=0
pnpm --silent test:vitest --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [ -s "$report" ]; then node scripts/test-summary.mjs "$report" || status=1; fi
rm -f "$report"
exit "$status"
