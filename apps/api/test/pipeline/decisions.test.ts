// The pure parts of the pipeline: ownership, step decisions, config diffs and the failure verdicts.
import type { ProxmoxConfig } from '@guildserver/config';
import { getGame } from '@guildserver/games';
import {
  LockTimeoutError,
  NodeOfflineError,
  ProxmoxApiError,
  TaskFailedError,
  UnreachableError,
} from '@guildserver/proxmox';
import { describe, expect, it } from 'vitest';
import {
  decideCheck,
  decideClone,
  decideDestroy,
  decideResize,
  decideShutdown,
  decideVmid,
} from '../../src/pipeline/decisions.js';
import { judge, StepFailure } from '../../src/pipeline/failures.js';
import { AnsibleOutputReader } from '../../src/pipeline/game/ansible-runner.js';
import { defaultMaxPlayers } from '../../src/pipeline/game/game-probe.js';
import { ownershipOf, serverTag, vmName } from '../../src/pipeline/ownership.js';
import { configChanges, desiredVm, diskBytes } from '../../src/pipeline/vm-spec.js';

const ID = 'srv_abc123def456';

describe('ownership', () => {
  it('is ours only with our tag, or our marker before tags exist', () => {
    expect(ownershipOf(ID, undefined)).toBe('absent');
    expect(ownershipOf(ID, { tags: `guildserver;${serverTag(ID)}` })).toBe('ours');
    expect(ownershipOf(ID, { tags: 'template', description: `x\nguildserver:${ID}` })).toBe('ours_untagged');
    expect(ownershipOf(ID, { tags: 'guildserver;gs-srv_other0000000' })).toBe('foreign');
    expect(ownershipOf(ID, { description: `guildserver:${ID}7` })).toBe('foreign');
    expect(ownershipOf(ID, { lock: 'clone' })).toBe('cloning');
    expect(ownershipOf(ID, { tags: 'guildserver' })).toBe('foreign');
  });

  it('names VMs as DNS names', () => {
    expect(vmName(ID)).toBe('gs-abc123def456');
    expect(vmName('srv_A_b')).toMatch(/^gs-[a-z0-9-]+$/);
  });
});

describe('step decisions', () => {
  it('verify_vmid keeps a free id or ours and replaces a foreign one', () => {
    expect(decideVmid('absent', false)).toEqual({ action: 'use' });
    expect(decideVmid('ours', false)).toEqual({ action: 'resume' });
    expect(decideVmid('cloning', true)).toEqual({ action: 'resume' });
    expect(decideVmid('cloning', false)).toEqual({ action: 'replace' });
    expect(decideVmid('foreign', true)).toEqual({ action: 'replace' });
  });

  it('clone never clones twice', () => {
    expect(decideClone('ours_untagged', {}, 100, false)).toEqual({ action: 'done' });
    expect(decideClone('cloning', { requestedAt: 'x' }, 100, false)).toEqual({ action: 'wait_unlock' });
    expect(decideClone('cloning', {}, 100, false).action).toBe('fail');
    expect(decideClone('foreign', { upid: 'u' }, 100, false).action).toBe('fail');
    expect(decideClone('absent', { upid: 'u' }, 100, false)).toEqual({ action: 'wait_task', upid: 'u' });
    expect(decideClone('absent', { upid: 'u' }, 100, true)).toEqual({ action: 'clone' });
    expect(decideClone('absent', {}, 100, false)).toEqual({ action: 'clone' });
  });

  it('resize grows and never shrinks', () => {
    expect(decideResize(4 * 1024 ** 3, 20)).toEqual({ action: 'grow', size: '20G' });
    expect(decideResize(32 * 1024 ** 3, 20).action).toBe('keep');
    expect(decideResize(20 * 1024 ** 3, 20).action).toBe('keep');
    expect(decideResize(undefined, 20)).toEqual({ action: 'grow', size: '20G' });
    expect(diskBytes('local-lvm:vm-1-disk-0,discard=on,size=4G')).toBe(4 * 1024 ** 3);
  });

  it('check_vm: missing or foreign fails start/stop, is nothing to touch for delete', () => {
    expect(decideCheck('stop', 'absent', 100)).toMatchObject({ action: 'fail', code: 'vm_missing' });
    expect(decideCheck('start', 'foreign', 100)).toMatchObject({ action: 'fail', code: 'vm_not_ours' });
    expect(decideCheck('delete', 'absent', 100).action).toBe('nothing_to_touch');
    expect(decideCheck('delete', 'foreign', 100).action).toBe('nothing_to_touch');
    expect(decideCheck('restart', 'ours_untagged', 100).action).toBe('claim');
    expect(decideCheck('delete', 'ours', 100).action).toBe('ok');
  });

  it('shutdown: graceful first, then a hard stop', () => {
    expect(decideShutdown('stopped', {}, false).action).toBe('done');
    expect(decideShutdown('running', {}, false)).toEqual({ action: 'shutdown' });
    expect(decideShutdown('running', { phase: 'shutdown', upid: 'u' }, false)).toEqual({
      action: 'wait_task',
      upid: 'u',
      phase: 'shutdown',
    });
    expect(decideShutdown('running', { phase: 'shutdown', upid: 'u' }, true)).toEqual({ action: 'stop' });
    expect(decideShutdown('absent', { phase: 'stop' }, true).action).toBe('done');
  });

  it('shutdown of a hibernated VM (a sleeping server): resumed first, then shut down as any other', () => {
    const hibernated = true;
    expect(decideShutdown('stopped', {}, false, hibernated)).toEqual({ action: 'resume' });
    expect(decideShutdown('stopped', { phase: 'resume', upid: 'r' }, false, hibernated)).toEqual({
      action: 'wait_task',
      upid: 'r',
      phase: 'resume',
    });
    // The resume task ended but the VM is still hibernated (it failed): resume again.
    expect(decideShutdown('stopped', { phase: 'resume', upid: 'r' }, true, hibernated)).toEqual({
      action: 'resume',
    });
    // Resumed: now the graceful shutdown, then (past its deadline) the hard stop.
    expect(decideShutdown('running', { phase: 'resume', upid: 'r' }, true)).toEqual({ action: 'shutdown' });
    expect(decideShutdown('stopped', { phase: 'shutdown', upid: 's' }, true)).toEqual({
      action: 'done',
      detail: 'Shut down.',
    });
  });

  it('destroy only what carries our tag', () => {
    expect(decideDestroy('foreign', 'stopped', 1).action).toBe('refuse');
    expect(decideDestroy('cloning', 'stopped', 1).action).toBe('refuse');
    expect(decideDestroy('ours_untagged', 'stopped', 1).action).toBe('claim_then_destroy');
    expect(decideDestroy('ours', 'running', 1).action).toBe('stop_first');
    expect(decideDestroy('ours', 'stopped', 1).action).toBe('destroy');
    expect(decideDestroy('absent', 'absent', 1).action).toBe('done');
  });
});

describe('the wanted VM config', () => {
  const proxmox = {
    networkBridge: 'vmbr1',
    vlanTag: 7,
    sshPublicKeys: ['ssh-ed25519 AAAA k'],
    ciCustomUserData: 'local:snippets/u.yaml',
  } as ProxmoxConfig;
  const server = {
    id: ID,
    name: 'alpha',
    guildId: '1',
    ownerId: '2',
    cores: 4,
    memoryMiB: 8192,
    diskGiB: 30,
  };
  const game = getGame('satisfactory');
  const desired = desiredVm(server, game, proxmox);

  it('takes the game CPU type and our tags', () => {
    expect(desired.cpu).toBe('host');
    expect(desired.tags).toEqual(['guildserver', `gs-${ID}`]);
    expect(desired.cicustom).toBe('user=local:snippets/u.yaml');
  });

  it('changes only what differs, keeps the MAC, and nothing once it matches', () => {
    const cloned = {
      cores: 2,
      memory: '2048',
      net0: 'virtio=BC:24:11:00:23:28,bridge=vmbr0',
      ipconfig0: 'ip=dhcp',
      agent: '1',
      tags: 'template',
    };
    const update = configChanges(cloned, desired)!;
    expect(update).toMatchObject({
      cores: 4,
      memory: 8192,
      balloon: 0,
      cpu: 'host',
      ciuser: 'gameserver',
      onboot: true,
    });
    expect(update.net0).toEqual({ model: 'virtio', bridge: 'vmbr1', tag: 7, macaddr: 'BC:24:11:00:23:28' });
    expect(update).not.toHaveProperty('ipconfig0');
    expect(update).not.toHaveProperty('agent');
    const configured = {
      cores: 4,
      memory: '8192',
      balloon: 0,
      cpu: 'host',
      net0: 'virtio=BC:24:11:00:23:28,bridge=vmbr1,tag=7',
      ipconfig0: 'ip=dhcp',
      ciuser: 'gameserver',
      sshkeys: encodeURIComponent('ssh-ed25519 AAAA k'),
      cicustom: 'user=local:snippets/u.yaml',
      agent: 'enabled=1',
      onboot: 1,
      tags: `gs-${ID};guildserver`,
      description: `${desired.description}\n`,
    };
    expect(configChanges(configured, desired)).toBeUndefined();
  });
});

describe('failure verdicts', () => {
  const task = { upid: 'UPID:pve:1:1:1:qmclone:9000:x:', exitstatus: 'clone failed: boom', log: [] };
  it('retries what may pass, fails what will not', () => {
    expect(judge(new UnreachableError('connect ECONNREFUSED'), 'clone_failed')).toMatchObject({
      kind: 'transient',
      code: 'proxmox_unreachable',
    });
    expect(judge(new NodeOfflineError('595'), 'configure_failed')).toMatchObject({
      kind: 'transient',
      code: 'proxmox_unreachable',
    });
    expect(judge(new LockTimeoutError('got timeout'), 'clone_failed')).toMatchObject({
      kind: 'transient',
      code: 'proxmox_busy',
    });
    expect(judge(new ProxmoxApiError('500 boom', { status: 500 }), 'configure_failed').kind).toBe(
      'transient',
    );
    expect(judge(new TaskFailedError('failed', task), 'clone_failed')).toMatchObject({
      kind: 'permanent',
      code: 'clone_failed',
    });
    expect(judge(new StepFailure('network_timeout', 'no IPv4'), 'network_timeout')).toEqual({
      kind: 'permanent',
      code: 'network_timeout',
      message: 'no IPv4',
    });
    expect(judge(new Error('SQLITE_BUSY'), 'clone_failed')).toMatchObject({
      kind: 'transient',
      code: 'internal',
    });
  });
});

describe('Ansible output', () => {
  it('streams task names and names the failing task with its message', () => {
    const reader = new AnsibleOutputReader();
    const tasks = [
      'PLAY [game] *****',
      'TASK [Gathering Facts] *********',
      'ok: [10.0.0.5]',
      'TASK [minecraft : Install Java] *****',
      'fatal: [10.0.0.5]: FAILED! => changed=false ',
      "    msg: 'No package matching ''temurin-21-jre'' is available'",
      'PLAY RECAP ****',
    ]
      .map((line) => reader.line(line))
      .filter(Boolean);
    expect(tasks).toEqual(['Gathering Facts', 'minecraft : Install Java']);
    expect(reader.failure).toEqual({
      task: 'minecraft : Install Java',
      message: "No package matching ''temurin-21-jre'' is available",
      unreachable: false,
    });

    const json = new AnsibleOutputReader();
    json.line('TASK [Download] ***');
    json.line('fatal: [h]: FAILED! => {"changed": false, "msg": "HTTP Error 404: Not Found"}');
    expect(json.failure).toEqual({
      task: 'Download',
      message: 'HTTP Error 404: Not Found',
      unreachable: false,
    });
  });

  it('reads an UNREACHABLE host, whose message comes as a YAML block', () => {
    const reader = new AnsibleOutputReader();
    for (const line of [
      'TASK [Gathering Facts] ***',
      'fatal: [10.77.0.179]: UNREACHABLE! => ',
      '    changed: false',
      '    msg: |-',
      '        Data could not be sent to remote host "10.77.0.179". Make sure this host can be reached over ssh: ssh: connect to host 10.77.0.179 port 22: Connection refused',
      '    unreachable: true',
      'PLAY RECAP ***',
    ])
      reader.line(line);
    expect(reader.failure).toEqual({
      task: 'Gathering Facts',
      message:
        'Data could not be sent to remote host "10.77.0.179". Make sure this host can be reached over ssh: ssh: connect to host 10.77.0.179 port 22: Connection refused',
      unreachable: true,
    });
  });

  it('the simulated probe reports the default max players', () => {
    expect(defaultMaxPlayers(getGame('minecraft-java'))).toBe(20);
  });
});
