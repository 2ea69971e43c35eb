// What the cluster's Proxmox VE version allows, read once per client from GET /version.
import type { ProxmoxClient } from '@guildserver/proxmox';

const majors = new WeakMap<ProxmoxClient, Promise<number>>();

function majorVersion(proxmox: ProxmoxClient): Promise<number> {
  let major = majors.get(proxmox);
  if (!major) {
    major = proxmox.version.get().then((info) => Number.parseInt(info.version, 10));
    // A failed read (the cluster briefly unreachable) is asked again next time.
    major.catch(() => majors.delete(proxmox));
    majors.set(proxmox, major);
  }
  return major;
}

/** Does the cluster know `ciupgrade` (PVE 8.0 and later; PVE 7's cloud-init always upgrades on the first boot)? */
export async function canSkipFirstBootUpgrade(proxmox: ProxmoxClient): Promise<boolean> {
  return (await majorVersion(proxmox)) >= 8;
}
