import type { ProxmoxClient, VmRef } from '@guildserver/proxmox';

export interface DemoSettings {
  node: string;
  templateVmid: number;
  bridge: string;
  vlanTag?: number;
  sshPublicKeys: string[];
  /** Lowest VM id the demo may take (our own range). */
  firstVmid: number;
  keepVm: boolean;
  taskTimeoutMs: number;
  ipTimeoutMs: number;
}

export interface DemoReporter {
  step(title: string): void;
  done(detail: string): void;
  note(detail: string): void;
}

export interface DemoResult {
  vmid: number;
  ipv4: string;
  deleted: boolean;
}

/**
 * The short tour of the client: the same clone → configure → start → address steps the provisioning
 * pipeline takes, on one VM tagged as ours, then stop and delete it (unless kept).
 */
export async function runDemo(
  pve: ProxmoxClient,
  settings: DemoSettings,
  report: DemoReporter,
): Promise<DemoResult> {
  const timed = async <T>(
    title: string,
    work: () => Promise<T>,
    describe: (value: T) => string,
  ): Promise<T> => {
    report.step(title);
    const started = Date.now();
    const value = await work();
    report.done(`${describe(value)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  };
  const task = (upid: string | null) =>
    upid ? pve.waitForTask(upid, { timeoutMs: settings.taskTimeoutMs }) : Promise.resolve(undefined);

  await timed(
    'Connecting to Proxmox VE',
    () => pve.version.get(),
    (v) => `Proxmox VE ${v.version}`,
  );
  const nodes = await pve.nodes.list();
  report.note(`nodes: ${nodes.map((n) => `${n.node} (${n.status})`).join(', ')}`);

  const vmid = await timed(
    'Choosing a VM id from our range',
    () => findFreeVmid(pve, settings.firstVmid),
    (id) => `VM ${id}`,
  );
  const vm: VmRef = { node: settings.node, vmid };
  const template: VmRef = { node: settings.node, vmid: settings.templateVmid };

  await timed(
    `Cloning template ${settings.templateVmid}`,
    async () => task(await pve.qemu.clone(template, { newid: vmid, name: `gs-demo-${vmid}` })),
    () => 'linked clone ready',
  );
  await timed(
    'Configuring cloud-init, size, network and tags',
    async () =>
      task(
        await pve.qemu.updateConfigAsync(vm, {
          cores: 2,
          memory: 2048,
          agent: true,
          ciuser: 'gameserver',
          sshkeys: settings.sshPublicKeys.length > 0 ? settings.sshPublicKeys : undefined,
          ipconfig0: { ip: 'dhcp' },
          net0: { model: 'virtio', bridge: settings.bridge, tag: settings.vlanTag, firewall: true },
          tags: ['guildserver', 'gs-demo'],
          description: 'GuildServer demo VM; safe to delete.',
        }),
      ),
    () => 'cores 2, memory 2048 MiB, tags guildserver;gs-demo',
  );
  await timed(
    'Starting the VM',
    async () => task(await pve.power.start(vm)),
    () => 'running',
  );
  const address = await timed(
    'Waiting for the guest agent to report an IPv4 address',
    () => pve.waitForIpv4(vm, { timeoutMs: settings.ipTimeoutMs, intervalMs: 250, maxIntervalMs: 1_000 }),
    (picked) => `${picked.ip} on ${picked.interface}`,
  );
  const status = await pve.qemu.status(vm);
  report.note(
    `status: ${status.status}, uptime ${status.uptime ?? 0} s, agent ${status.agent ? 'enabled' : 'off'}`,
  );

  if (settings.keepVm) return { vmid, ipv4: address.ip, deleted: false };
  await timed(
    'Stopping the VM',
    async () => task(await pve.power.stop(vm)),
    () => 'stopped',
  );
  await timed(
    'Deleting the VM',
    async () => task(await pve.qemu.delete(vm, { purge: true })),
    () => 'deleted',
  );
  return { vmid, ipv4: address.ip, deleted: true };
}

/** `nextid` reserves nothing, so check our own range against what exists and confirm with `?vmid=`. */
async function findFreeVmid(pve: ProxmoxClient, first: number): Promise<number> {
  const taken = new Set((await pve.cluster.resources('vm')).map((r) => r.vmid));
  let candidate = first;
  while (taken.has(candidate)) candidate++;
  return pve.cluster.nextId(candidate);
}
