import { type AgentCommand, AgentNotRunningError } from '../backend.js';
import type { SimVm } from '../cluster/model.js';
import { PveHttpError } from '../errors.js';
import { type Handler, type SimContext, str, vmOf } from './context.js';

type AgentPhase = 'booting' | 'no_address' | 'link_local' | 'addressed';

function agentEnabled(vm: SimVm): boolean {
  const agent = vm.config.agent;
  return agent !== undefined && !/^(0|enabled=0)(,|$)/.test(agent);
}

/** The guest's life after a start: agent down while booting, then DHCP still running, then an address. */
function agentPhase(sim: SimContext, vm: SimVm): AgentPhase {
  if (!agentEnabled(vm)) throw new PveHttpError(500, 'No QEMU guest agent configured');
  if (vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} is not running`);
  // A guest resumed from a saved state carries on where it was: agent and network up at once.
  const upFor =
    vm.resumedAt !== undefined && vm.resumedAt === vm.startedAt
      ? sim.durations.agentBoot + sim.durations.dhcp
      : Date.now() - (vm.startedAt ?? Date.now());
  // A paused guest does not answer either.
  if (sim.faults.isAgentSilent(vm.vmid) || vm.paused || upFor < sim.durations.agentBoot) {
    throw new PveHttpError(500, 'QEMU guest agent is not running');
  }
  const sinceAgent = upFor - sim.durations.agentBoot;
  if (sinceAgent < sim.durations.dhcp / 2) return 'no_address';
  if (sinceAgent < sim.durations.dhcp) return 'link_local';
  return 'addressed';
}

/** The address the guest ends up with: the static one from ipconfig0, else a stable DHCP lease. */
export function guestIpv4(sim: SimContext, vm: SimVm): { address: string; prefix: number } {
  const staticIp = /(?:^|,)ip=(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(vm.config.ipconfig0 ?? '');
  if (staticIp) return { address: staticIp[1]!, prefix: Number(staticIp[2]) };
  const nodeIndex = sim.cluster.node(vm.node)?.index ?? 1;
  return {
    address: `10.${20 + nodeIndex}.${Math.floor(vm.vmid / 250) % 256}.${(vm.vmid % 250) + 2}`,
    prefix: 16,
  };
}

function macOf(vm: SimVm): string {
  return /=([0-9A-Fa-f:]{17})/.exec(vm.config.net0 ?? '')?.[1]?.toLowerCase() ?? 'bc:24:11:00:00:01';
}

function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => Number.parseInt(h, 16));
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0]! ^ 2, b[1]!)}:${hex(b[2]!, 0xff)}:${hex(0xfe, b[3]!)}:${hex(b[4]!, b[5]!)}`;
}

function interfaces(sim: SimContext, vm: SimVm, phase: AgentPhase): unknown[] {
  const mac = macOf(vm);
  const lo = {
    name: 'lo',
    'hardware-address': '00:00:00:00:00:00',
    'ip-addresses': [
      { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
      { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
    ],
    statistics: {
      'rx-bytes': 0,
      'tx-bytes': 0,
      'rx-packets': 0,
      'tx-packets': 0,
      'rx-errs': 0,
      'tx-errs': 0,
      'rx-dropped': 0,
      'tx-dropped': 0,
    },
  };
  const eth0: Record<string, unknown> = { name: 'eth0', 'hardware-address': mac };
  if (phase === 'link_local' || phase === 'addressed') {
    const addresses: unknown[] = [{ 'ip-address': linkLocal(mac), 'ip-address-type': 'ipv6', prefix: 64 }];
    if (phase === 'addressed') {
      const { address, prefix } = guestIpv4(sim, vm);
      addresses.unshift({ 'ip-address': address, 'ip-address-type': 'ipv4', prefix });
    }
    eth0['ip-addresses'] = addresses;
  }
  if (phase !== 'addressed') return [lo, eth0];
  // Container bridges come up with the guest's services and are listed before eth0: a client must skip them.
  const docker0 = {
    name: 'docker0',
    'hardware-address': '02:42:ac:11:00:01',
    'ip-addresses': [{ 'ip-address': '172.17.0.1', 'ip-address-type': 'ipv4', prefix: 16 }],
  };
  const veth = {
    name: 'veth1a2b3c4',
    'hardware-address': '5a:1e:0c:33:7d:01',
    'ip-addresses': [{ 'ip-address': 'fe80::581e:cff:fe33:7d01', 'ip-address-type': 'ipv6', prefix: 64 }],
  };
  return [lo, docker0, veth, eth0];
}

/** A real machine's agent (the qemu backend), with PVE's refusals before it is asked. */
async function askRealAgent(sim: SimContext, vm: SimVm, command: AgentCommand): Promise<unknown> {
  if (!agentEnabled(vm)) throw new PveHttpError(500, 'No QEMU guest agent configured');
  if (vm.status !== 'running') throw new PveHttpError(500, `VM ${vm.vmid} is not running`);
  if (sim.faults.isAgentSilent(vm.vmid)) throw new PveHttpError(500, 'QEMU guest agent is not running');
  try {
    return { result: await sim.backend.agent(vm, command) };
  } catch (error) {
    if (error instanceof AgentNotRunningError) throw new PveHttpError(500, error.message);
    throw error;
  }
}

export const networkGetInterfaces: Handler = (call) => {
  const vm = vmOf(call);
  if (call.sim.backend.kind !== 'simulated') return askRealAgent(call.sim, vm, 'network-get-interfaces');
  return { result: interfaces(call.sim, vm, agentPhase(call.sim, vm)) };
};

export const agentPing: Handler = (call) => {
  const vm = vmOf(call);
  if (call.sim.backend.kind !== 'simulated') return askRealAgent(call.sim, vm, 'ping');
  agentPhase(call.sim, vm);
  return { result: {} };
};

const AGENT_COMMANDS: readonly AgentCommand[] = ['ping', 'network-get-interfaces', 'get-host-name'];

/** POST .../agent with `command`: the commands a provisioning client uses. */
export const agentCommand: Handler = (call) => {
  const vm = vmOf(call);
  const command = str(call.params, 'command');
  if (call.sim.backend.kind !== 'simulated' && AGENT_COMMANDS.includes(command as AgentCommand)) {
    return askRealAgent(call.sim, vm, command as AgentCommand);
  }
  const phase = agentPhase(call.sim, vm);
  switch (command) {
    case 'ping':
      return { result: {} };
    case 'network-get-interfaces':
      return { result: interfaces(call.sim, vm, phase) };
    case 'get-host-name':
      return { result: { 'host-name': vm.config.name ?? `vm${vm.vmid}` } };
    default:
      throw new PveHttpError(500, `guest agent command '${str(call.params, 'command')}' is not simulated`);
  }
};
