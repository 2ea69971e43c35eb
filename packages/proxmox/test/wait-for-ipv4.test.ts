import { describe, expect, it } from 'vitest';
import type { AgentApi, GuestInterface } from '../src/index';
import {
  AgentNotConfiguredError,
  AgentNotRunningError,
  PermissionDeniedError,
  TimeoutError,
  VmNotRunningError,
  waitForIpv4,
} from '../src/index';

const VM = { node: 'pve', vmid: 101 };
type Answer = GuestInterface[] | Error;

function fakeAgent(answers: Answer[]) {
  let calls = 0;
  const agent: AgentApi = {
    ping: async () => {},
    networkGetInterfaces: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { agent, calls: () => calls };
}

const lo: GuestInterface = {
  name: 'lo',
  'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 }],
};
const eth0Ready: GuestInterface = {
  name: 'eth0',
  'ip-addresses': [{ 'ip-address': '10.0.0.23', 'ip-address-type': 'ipv4', prefix: 24 }],
};

describe('waitForIpv4', () => {
  it('waits out every "not yet" answer', async () => {
    const { agent, calls } = fakeAgent([
      new AgentNotConfiguredError('No QEMU guest agent configured'),
      new VmNotRunningError('VM 101 is not running'),
      new AgentNotRunningError('QEMU guest agent is not running'),
      [lo, { name: 'eth0' }],
      [lo, eth0Ready],
    ]);
    await expect(waitForIpv4(agent, VM, { intervalMs: 1 })).resolves.toEqual({
      ip: '10.0.0.23',
      interface: 'eth0',
      prefix: 24,
    });
    expect(calls()).toBe(5);
  });

  it('agent not configured becomes permanent after the grace period', async () => {
    const { agent } = fakeAgent([new AgentNotConfiguredError('No QEMU guest agent configured')]);
    const error = await waitForIpv4(agent, VM, { intervalMs: 1, agentNotConfiguredGraceMs: 10 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentNotConfiguredError);
  });

  it('other errors end the wait at once', async () => {
    const { agent, calls } = fakeAgent([
      new PermissionDeniedError('Permission check failed (/vms/101, VM.Monitor)'),
    ]);
    await expect(waitForIpv4(agent, VM)).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(calls()).toBe(1);
  });

  it('times out with the last state in the message', async () => {
    const { agent } = fakeAgent([[lo]]);
    const error = await waitForIpv4(agent, VM, { timeoutMs: 20, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('without a global IPv4');
  });
});
