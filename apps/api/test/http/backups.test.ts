// Backups as a user reaches them: over HTTP, against the simulator's backup storage, with a worker running
// the jobs. What Proxmox lists is the truth: a backup made outside GuildServer shows up, and survives pruning.
import type { Backup, BackupList, Job, Server } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, client } from '../support/api-harness.js';
import {
  finished,
  runningServer,
  until,
  useWorkerStacks,
  type WorkerStack,
} from '../support/worker-stack.js';

const start = useWorkerStacks();

/**
 * vzdump names an archive by its VM and the second it started: two backups of one VM within a second would be
 * one file (the simulator's tasks take milliseconds). Each test backup starts in a second of its own.
 */
let lastBackupSecond = 0;
const thisSecond = () => Math.floor(Date.now() / 1000);
async function ownSecond(): Promise<void> {
  while (thisSecond() <= lastBackupSecond) await new Promise((r) => setTimeout(r, 50));
}

async function backUp(s: WorkerStack, server: Server, body: object = {}): Promise<Job> {
  await ownSecond();
  const queued = await s.admin<{ server: Server; jobId: string }>(
    'POST',
    `/v1/servers/${server.id}/backups`,
    body,
  );
  expect(queued.status).toBe(202);
  const job = await finished(s, queued.body.jobId);
  lastBackupSecond = thisSecond();
  return job;
}

const list = async (s: WorkerStack, server: Server) =>
  (await s.admin<BackupList>('GET', `/v1/servers/${server.id}/backups`)).body;

describe('backups over the API', () => {
  it('backs a running server up with notes that name it, and leaves it running', async () => {
    const s = await start();
    const server = await runningServer(s, 'survival');
    const job = await backUp(s, server);
    expect(job.kind).toBe('backup');
    expect(job.state).toBe('succeeded');
    expect(job.steps.map((step) => step.name)).toEqual([
      'check_vm',
      'hold_game',
      'backup_vm',
      'release_game',
      'prune_backups',
    ]);
    // The catalog's hold for Minecraft, said plainly by the simulated runner.
    expect(job.steps[1]!.detail).toBe(
      'Simulated: would send save-off, save-all flush over RCON (no real VM behind the simulator).',
    );
    expect(job.steps[3]!.detail).toBe(
      'Simulated: would send save-on over RCON (no real VM behind the simulator).',
    );
    expect((await s.admin<Server>('GET', `/v1/servers/${server.id}`)).body.state).toBe('running');

    const { backups, guild, retention } = await list(s, server);
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({
      serverId: server.id,
      madeBy: 'guildserver',
      reason: 'manual',
      protected: false,
      volid: `local:backup/${backups[0]!.id}`,
    });
    expect(backups[0]!.id).toMatch(
      new RegExp(`^vzdump-qemu-${server.vmid}-\\d{4}_\\d\\d_\\d\\d-\\d\\d_\\d\\d_\\d\\d\\.vma\\.zst$`),
    );
    expect(backups[0]!.notes).toBe(`guildserver gs-${server.id} survival manual ${job.id}`);
    expect(job.steps[2]!.detail).toContain(backups[0]!.volid);
    expect(guild).toMatchObject({ count: 1, maxCount: 50 });
    expect(guild.bytes).toBe(backups[0]!.size);
    expect(retention).toBe('keep-last=3,keep-daily=7,keep-weekly=4');
  });

  it("prunes only GuildServer's own backups beyond the retention: pinned and outside ones survive", async () => {
    const s = await start({ BACKUP_RETENTION: 'keep-last=2' });
    const server = await runningServer(s, 'pruned');
    await backUp(s, server);
    const first = (await list(s, server)).backups[0]!;
    const pinned = await s.admin<Backup>('PATCH', `/v1/servers/${server.id}/backups/${first.id}`, {
      protected: true,
    });
    expect(pinned.body.protected).toBe(true);
    // An admin's own vzdump of the same VM, in Proxmox, outside GuildServer.
    await ownSecond();
    const outsideTask = await s.api.services.proxmox.backup.vzdump({
      node: 'pve',
      vmid: server.vmid!,
      storage: 'local',
    });
    await s.api.services.proxmox.waitForTask(outsideTask, { timeoutMs: 10_000 });
    lastBackupSecond = thisSecond();
    for (let i = 0; i < 3; i++) await backUp(s, server);

    const { backups } = await list(s, server);
    const manual = backups.filter((b) => b.madeBy === 'guildserver' && !b.protected);
    expect(manual).toHaveLength(2);
    expect(backups.find((b) => b.id === first.id)?.protected).toBe(true);
    expect(backups.filter((b) => b.madeBy === 'outside')).toEqual([
      expect.objectContaining({ reason: null, serverId: server.id }),
    ]);
    // What the job said it did: the pinned and the outside backup are kept beside the two newest.
    expect((await backUp(s, server)).steps.at(-1)!.detail).toBe('Kept 4 backups, removed 1 (keep-last=2).');
  });

  it('refuses a backup beyond the guild quota with one sentence, and a pinned backup cannot be deleted', async () => {
    const s = await start({ QUOTA_GUILD_BACKUPS: '1' });
    const server = await runningServer(s, 'quota');
    await backUp(s, server);
    const refused = await s.admin('POST', `/v1/servers/${server.id}/backups`, {});
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: {
        code: 'quota_exceeded',
        message:
          'This guild already keeps 1 backups, its limit of 1; delete old backups, or unpin them so the retention can prune them, before making another.',
      },
    });
    const [backup] = (await list(s, server)).backups;
    await s.admin('PATCH', `/v1/servers/${server.id}/backups/${backup!.id}`, { protected: true });
    const kept = await s.admin('DELETE', `/v1/servers/${server.id}/backups/${backup!.id}`);
    expect(kept.status).toBe(409);
    expect(kept.body).toMatchObject({ error: { code: 'invalid_state' } });
    await s.admin('PATCH', `/v1/servers/${server.id}/backups/${backup!.id}`, { protected: false });
    const gone = await s.admin<Backup>('DELETE', `/v1/servers/${server.id}/backups/${backup!.id}`);
    expect(gone.status).toBe(200);
    expect((await list(s, server)).backups).toEqual([]);
    // Room again.
    expect((await backUp(s, server)).state).toBe('succeeded');
  });

  it('a full backup storage fails the backup with PVE’s reason in one sentence and leaves the server running', async () => {
    const s = await start();
    const server = await runningServer(s, 'full');
    s.api.sim.faults.storageFull('local');
    const job = await backUp(s, server);
    expect(job.state).toBe('failed');
    expect(job.error).toEqual({
      code: 'backup_failed',
      step: 'backup_vm',
      message:
        'Proxmox could not back the VM up: Backup of VM ' +
        `${server.vmid} failed - vma_queue_write: write error - No space left on device.`,
    });
    // The game was let go again, and the server is as it was.
    expect(job.steps.find((step) => step.name === 'release_game')?.state).toBe('pending');
    const after = (await s.admin<Server>('GET', `/v1/servers/${server.id}`)).body;
    expect(after).toMatchObject({ state: 'running', failure: null, currentJobId: null });
    expect((await list(s, server)).backups).toEqual([]);
    const events = await s.admin<{ events: { type: string; data: { note?: string } }[] }>(
      'GET',
      `/v1/events?serverId=${server.id}&limit=1000`,
    );
    expect(events.body.events.map((e) => e.data.note ?? '')).toContain(
      'Letting the game carry on: Simulated: would send save-on over RCON (no real VM behind the simulator).',
    );
  });

  it('restores in place: a safety backup first, the same VM, address and ports, running again', async () => {
    const s = await start();
    const server = await runningServer(s, 'rewind', 'openttd');
    await backUp(s, server);
    const [backup] = (await list(s, server)).backups;
    await ownSecond(); // the restore's own safety backup
    const queued = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      `/v1/servers/${server.id}/restore`,
      {
        backupId: backup!.id,
      },
    );
    expect(queued.status).toBe(202);
    expect(queued.body.server.state).toBe('restoring');
    const job = await finished(s, queued.body.jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps.find((step) => step.name === 'restore_vm')?.detail).toBe(
      `Restored ${backup!.volid} over VM ${server.vmid}.`,
    );
    const after = (await s.admin<Server>('GET', `/v1/servers/${server.id}`)).body;
    expect(after).toMatchObject({
      state: 'running',
      vmid: server.vmid,
      address: server.address,
      ports: server.ports,
    });
    expect((await list(s, server)).backups.map((b) => b.reason)).toEqual(['before-restore', 'manual']);
    expect(s.api.sim.state.tasks.filter((t) => t.type === 'qmrestore')).toHaveLength(1);
  });

  it("refuses a restore onto a VM that no longer carries the server's tag, touching nothing", async () => {
    const s = await start();
    const server = await runningServer(s, 'stolen', 'openttd');
    await backUp(s, server);
    const [backup] = (await list(s, server)).backups;
    // Someone takes the VM over in Proxmox (tags and description): it is no longer ours to overwrite.
    await s.api.services.proxmox.qemu.updateConfig(
      { node: 'pve', vmid: server.vmid! },
      { tags: ['someone-else'], description: 'not a game server any more' },
    );
    const queued = await s.admin<{ jobId: string }>('POST', `/v1/servers/${server.id}/restore`, {
      backupId: backup!.id,
    });
    const job = await finished(s, queued.body.jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'vm_not_ours', step: 'check_vm' });
    expect(s.api.sim.state.tasks.filter((t) => t.type === 'qmrestore')).toHaveLength(0);
  });

  it('a delete makes a final backup that stays listed under the deleted server; finalBackup=false makes none', async () => {
    const s = await start();
    const kept = await runningServer(s, 'kept', 'openttd');
    const bare = await runningServer(s, 'bare', 'openttd');
    const deleted = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${kept.id}`);
    expect((await finished(s, deleted.body.jobId)).state).toBe('succeeded');
    const skipped = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${bare.id}?finalBackup=false`);
    const skippedJob = await finished(s, skipped.body.jobId);
    expect(skippedJob.steps.find((step) => step.name === 'backup_vm')?.detail).toBe(
      'No final backup: the delete was asked without one.',
    );
    expect((await list(s, kept)).backups).toEqual([
      expect.objectContaining({ reason: 'before-delete', madeBy: 'guildserver' }),
    ]);
    expect((await list(s, bare)).backups).toEqual([]);
  });

  it('the hourly housekeeping removes automatic backups past BACKUP_KEEP_DELETED_DAYS; pinned ones stay', async () => {
    const s = await start({ BACKUP_KEEP_DELETED_DAYS: '0' });
    const gone = await runningServer(s, 'gone', 'openttd');
    const kept = await runningServer(s, 'kept', 'openttd');
    for (const server of [gone, kept]) {
      const deleted = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
      await finished(s, deleted.body.jobId);
    }
    const [final] = (await list(s, kept)).backups;
    await s.api.services.proxmox.storage.updateVolumeAttributes('pve', 'local', final!.volid, {
      protected: true,
    });
    // What the `system:backup-expiry` job scheduler adds every hour.
    await s.api.services.schedules.queue.add('backup-expiry', { scheduleId: 'system:backup-expiry' });
    await until('the expiry', async () => ((await list(s, gone)).backups.length === 0 ? true : undefined));
    expect((await list(s, kept)).backups).toEqual([
      expect.objectContaining({ reason: 'before-delete', protected: true }),
    ]);
  });

  it('brings a deleted server back from its final backup: same id and name, a new VM, running; once only', async () => {
    const s = await start();
    const server = await runningServer(s, 'phoenix', 'openttd');
    const deleted = await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
    await finished(s, deleted.body.jobId);
    expect(s.api.sim.state.vms.some((vm) => vm.vmid === server.vmid)).toBe(false);
    const [final] = (await list(s, server)).backups;

    const back = await s.admin<{ server: Server; jobId: string }>(
      'POST',
      `/v1/servers/${server.id}/undelete`,
      {},
    );
    expect(back.status).toBe(202);
    expect(back.body.server).toMatchObject({ id: server.id, name: 'phoenix', state: 'restoring' });
    const job = await finished(s, back.body.jobId);
    expect(job).toMatchObject({ kind: 'recreate', state: 'succeeded' });
    expect(job.steps.map((step) => step.name)).toEqual([
      'verify_vmid',
      'restore_vm',
      'configure',
      'resize_disk',
      'start_vm',
      'wait_network',
      'wait_game',
      'publish_ports',
    ]);
    const revived = (await s.admin<Server>('GET', `/v1/servers/${server.id}`)).body;
    expect(revived).toMatchObject({ state: 'running', name: 'phoenix' });
    expect(job.steps[1]!.detail).toBe(`Restored ${final!.volid} into VM ${revived.vmid}.`);
    const vm = s.api.sim.state.vms.find((v) => v.vmid === revived.vmid)!;
    expect(vm.config.tags).toBe(`guildserver;gs-${server.id}`);
    // The final backup is kept (it is how the delete was undone), and a second undelete is refused.
    expect((await list(s, server)).backups.map((b) => b.id)).toContain(final!.id);
    const again = await s.admin('POST', `/v1/servers/${server.id}/undelete`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: {
        code: 'invalid_state',
        message: "The server 'phoenix' is not deleted; restore a backup over it instead.",
      },
    });
  });

  it('refuses to bring a server back over a new one of the same name, or without a final backup', async () => {
    const s = await start();
    const first = await runningServer(s, 'twin', 'openttd');
    await finished(s, (await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${first.id}`)).body.jobId);
    await runningServer(s, 'twin', 'openttd');
    const clash = await s.admin('POST', `/v1/servers/${first.id}/undelete`, {});
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: 'name_taken' } });

    const bare = await runningServer(s, 'bare', 'openttd');
    await finished(
      s,
      (await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${bare.id}?finalBackup=false`)).body.jobId,
    );
    const none = await s.admin('POST', `/v1/servers/${bare.id}/undelete`, {});
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({
      error: { message: "The server 'bare' has no final backup left (they are kept 7 days)." },
    });
  });

  it('copies a backup into a new server of another name: its own VM, ports and address; the source untouched', async () => {
    const s = await start();
    const source = await runningServer(s, 'survival', 'openttd');
    await backUp(s, source);
    const [backup] = (await list(s, source)).backups;
    const bot = s.api.token(['bot']);
    const alice = client(s.api.url, bot, { user: ALICE });

    const queued = await alice<{ server: Server; jobId: string }>('POST', `/v1/servers/${source.id}/copy`, {
      backupId: backup!.id,
      name: 'survival-test',
    });
    expect(queued.status).toBe(202);
    const copy = queued.body.server;
    expect(copy).toMatchObject({ name: 'survival-test', game: 'openttd', state: 'creating', ownerId: ALICE });
    expect(copy.id).not.toBe(source.id);
    const job = await finished(s, queued.body.jobId);
    expect(job, job.error?.message).toMatchObject({ kind: 'copy', state: 'succeeded' });
    expect(job.steps.map((step) => step.name)).toEqual([
      'verify_vmid',
      'restore_vm',
      'configure',
      'resize_disk',
      'start_vm',
      'wait_network',
      'setup_game',
      'wait_game',
      'publish_ports',
    ]);
    const made = (await s.admin<Server>('GET', `/v1/servers/${copy.id}`)).body;
    expect(made).toMatchObject({ state: 'running', channelId: source.channelId, size: source.size });
    expect(made.vmid).not.toBe(source.vmid);
    expect(made.address).not.toBe(source.address);
    expect(made.ports.map((p) => p.port)).not.toEqual(source.ports.map((p) => p.port));
    expect(job.steps[1]!.detail).toBe(`Restored ${backup!.volid} into VM ${made.vmid}.`);
    const vm = s.api.sim.state.vms.find((v) => v.vmid === made.vmid)!;
    expect(vm.config.tags).toBe(`guildserver;gs-${copy.id}`);
    // The source is as it was, and keeps its backup (copying does not use it up).
    expect((await s.admin<Server>('GET', `/v1/servers/${source.id}`)).body).toMatchObject({
      state: 'running',
      vmid: source.vmid,
      address: source.address,
    });
    expect((await list(s, source)).backups.map((b) => b.id)).toEqual([backup!.id]);
    expect((await list(s, made)).backups).toEqual([]);

    // The rules of a create, each in one sentence; and the backup's server must be one's own to copy.
    const taken = await alice('POST', `/v1/servers/${source.id}/copy`, {
      backupId: backup!.id,
      name: 'survival',
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      error: {
        code: 'name_taken',
        message: "This guild already has a server named 'survival'; pick another name.",
      },
    });
    const badName = await alice('POST', `/v1/servers/${source.id}/copy`, {
      backupId: backup!.id,
      name: 'No Way!',
    });
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ error: { code: 'name_invalid' } });
    const bob = client(s.api.url, bot, { user: BOB });
    const notHis = await bob('POST', `/v1/servers/${source.id}/copy`, { backupId: backup!.id, name: 'bobs' });
    expect(notHis.status).toBe(403);
    expect(notHis.body).toMatchObject({ error: { code: 'not_owner' } });
  });

  it("copies a deleted server's final backup: its world lives on under a new name", async () => {
    const s = await start();
    const gone = await runningServer(s, 'oldworld', 'openttd');
    await finished(s, (await s.admin<{ jobId: string }>('DELETE', `/v1/servers/${gone.id}`)).body.jobId);
    const [final] = (await list(s, gone)).backups;
    expect(final!.reason).toBe('before-delete');
    const queued = await s.admin<{ server: Server; jobId: string }>('POST', `/v1/servers/${gone.id}/copy`, {
      backupId: final!.id,
      name: 'newworld',
    });
    expect(queued.status).toBe(202);
    expect(queued.body.server.ownerId).toBe(gone.ownerId);
    expect((await finished(s, queued.body.jobId)).state).toBe('succeeded');
    expect((await s.admin<Server>('GET', `/v1/servers/${queued.body.server.id}`)).body.state).toBe('running');
    // The deleted server stays deleted, its final backup still there to undo its delete.
    expect((await s.admin('GET', `/v1/servers/${gone.id}`)).status).toBe(404);
    expect((await list(s, gone)).backups.map((b) => b.id)).toEqual([final!.id]);
  });

  it("shows a server's backups to its owner only, and says why to anyone else", async () => {
    const s = await start();
    const server = await runningServer(s, 'private');
    const bot = s.api.token(['bot']);
    const alice = client(s.api.url, bot, { user: ALICE });
    const bob = client(s.api.url, bot, { user: BOB });
    expect((await alice('GET', `/v1/servers/${server.id}/backups`)).status).toBe(200);
    const refused = await bob('POST', `/v1/servers/${server.id}/backups`, {});
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'not_owner' } });
    const bad = await alice('POST', `/v1/servers/${server.id}/restore`, { backupId: 'latest' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('must be a backup file name');
  });
});
