// `gs backup …` and `gs delete --no-final-backup` against a running API (simulator, API + worker, Redis, SQLite),
// `gs` itself as a child process without a terminal.
import type { BackupList, Job, Server } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiStack, node, startApiStack } from './support/api-stack.js';

const BACKUP_ID = /vzdump-qemu-\d+-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.vma\.zst/;
const shortId = (id: string) => id.replace(/^vzdump-qemu-/, '');

describe('gs backup against a running API', () => {
  let stack: ApiStack;
  const place = {
    GS_GUILD_ID: '100000000000000001',
    GS_OWNER_ID: '200000000000000002',
    GS_CHANNEL_ID: '300000000000000003',
  };
  const gs = (args: string[]) =>
    node('gs', args, { API_URL: stack.url, API_TOKEN: stack.token, ...place }, 90_000);
  const backups = async (server: string) => {
    const listed = await gs(['backup', 'list', server, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout) as BackupList;
  };
  const serverId = async (name: string) =>
    (JSON.parse((await gs(['status', name, '--json'])).stdout) as { server: Server }).server.id;
  /** The backup made first, kept to restore later. */
  let first: string;

  beforeAll(async () => {
    stack = await startApiStack('gs-backup-test');
    for (const name of ['vault', 'scratch']) {
      const created = await gs(['create', 'minecraft-java', name, '--watch']);
      expect(created.code, created.stderr).toBe(0);
    }
  }, 180_000);

  afterAll(() => stack?.close(), 30_000);

  it('backup now follows the job to the backup it made; list shows it, as text and as JSON', async () => {
    const made = await gs(['backup', 'now', 'vault']);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^Backing up vault \(srv_[a-z0-9]{12}\); job job_[a-z0-9]{12}\.\n/);
    expect(made.stdout).toMatch(/✓ \[3\/5\] Backing up the VM/);
    expect(made.stdout).toMatch(new RegExp(`✓ vault is backed up in [\\d.]+ s: ${BACKUP_ID.source}`));
    first = BACKUP_ID.exec(made.stdout.split('backed up in')[1]!)![0];

    const text = await gs(['backup', 'list', 'vault']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ID\s+WHEN\s+SIZE\s+REASON\s+MADE BY\s+PINNED\n/);
    expect(text.stdout).toMatch(
      new RegExp(
        `${shortId(first)}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+[\\d.]+ [MG]iB\\s+manual\\s+guildserver\\s+-`,
      ),
    );
    expect(text.stdout).toMatch(/The guild keeps 1 of 50 backups, [\d.]+ of 200 GiB\./);
    expect(text.stdout).toMatch(/Retention: keep-last=3,keep-daily=7,keep-weekly=4 /);

    const json = await backups('vault');
    expect(json.backups).toHaveLength(1);
    expect(json.backups[0]).toMatchObject({
      id: first,
      reason: 'manual',
      madeBy: 'guildserver',
      protected: false,
    });
    expect(json.guild).toMatchObject({ count: 1, maxCount: 50 });
  }, 90_000);

  it('a pinned backup: delete is refused with the API’s sentence until it is unpinned', async () => {
    const made = await gs(['backup', 'now', 'vault', '--pin', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect((JSON.parse(made.stdout) as { job: Job }).job).toMatchObject({
      kind: 'backup',
      state: 'succeeded',
    });
    const pinned = (await backups('vault')).backups.find((b) => b.protected)!;
    expect(pinned.id).not.toBe(first);
    expect((await gs(['backup', 'list', 'vault'])).stdout).toMatch(
      new RegExp(`${shortId(pinned.id)}\\s.*manual\\s+guildserver\\s+pinned`),
    );

    const refused = await gs(['backup', 'delete', 'vault', shortId(pinned.id)]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr.trim()).toBe(`gs: The backup ${pinned.id} is pinned; unpin it before deleting it.`);
    const unpinned = await gs(['backup', 'unpin', 'vault', pinned.id]);
    expect(unpinned.code, unpinned.stderr).toBe(0);
    expect(unpinned.stdout.trim()).toBe(`Unpinned ${pinned.id} of vault: the retention may prune it now.`);
    const deleted = await gs(['backup', 'delete', 'vault', pinned.id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^Deleted ${pinned.id} of vault \\([\\d.]+ [MG]iB\\)\\.`));
    expect((await backups('vault')).backups.map((b) => b.id)).toEqual([first]);
  }, 90_000);

  it('restore without a terminal and without --yes refuses, and nothing happens', async () => {
    const refused = await gs(['backup', 'restore', 'vault', first]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(
      new RegExp(`^gs: Restoring replaces vault's world with backup ${first} of .*; pass --yes to confirm`),
    );
    expect(JSON.parse((await gs(['status', 'vault', '--json'])).stdout).server.state).toBe('running');
    expect((await backups('vault')).backups).toHaveLength(1);
  }, 60_000);

  it('restore --yes follows the job until the server runs again; a before-restore backup is kept', async () => {
    const restored = await gs(['backup', 'restore', 'vault', shortId(first), '--yes']);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(
      new RegExp(`^Restoring vault \\(srv_[a-z0-9]{12}\\) from ${first}; job job_`),
    );
    expect(restored.stdout).toMatch(/✓ \[\d+\/\d+\] Restoring the backup/);
    expect(restored.stdout).toMatch(/✓ vault is running in [\d.]+ s/);
    const list = await backups('vault');
    const before = list.backups.find((b) => b.reason === 'before-restore');
    expect(before).toBeDefined();
    expect(restored.stdout).toContain(`The world from before the restore is backup ${before!.id}`);
    expect(list.backups.map((b) => b.reason).sort()).toEqual(['before-restore', 'manual']);
  }, 90_000);

  it('latest, an ambiguous beginning, and a backup that does not exist', async () => {
    const [newest, older] = (await backups('vault')).backups;
    const latest = await gs(['backup', 'pin', 'vault', 'latest', '--json']);
    expect(latest.code, latest.stderr).toBe(0);
    expect(JSON.parse(latest.stdout)).toMatchObject({ id: newest!.id, protected: true });
    expect((await gs(['backup', 'unpin', 'vault', 'latest'])).code).toBe(0);

    const ambiguous = await gs(['backup', 'pin', 'vault', 'vzdump-qemu-']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr.trim()).toBe(
      `gs: 'vzdump-qemu-' could be any of 2 backups of vault (${shortId(newest!.id)}, ${shortId(older!.id)}); give more of the id.`,
    );
    const missing = await gs(['backup', 'delete', 'vault', 'nosuch', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: {
        code: 'not_found',
        message: `vault has no backup 'nosuch'; its backups are ${shortId(newest!.id)}, ${shortId(older!.id)} (or say latest).`,
      },
    });
    expect((await backups('vault')).backups.every((b) => !b.protected)).toBe(true);
  }, 60_000);

  it('copy makes a new server from a backup, under another name, followed until it runs', async () => {
    const [newest] = (await backups('vault')).backups;
    const copied = await gs(['backup', 'copy', 'vault', 'latest', 'vault-test']);
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(copied.stdout).toMatch(
      new RegExp(
        `^Copying backup ${newest!.id} of vault into the new server vault-test \\(srv_[a-z0-9]{12}\\); job job_`,
      ),
    );
    expect(copied.stdout).toMatch(/✓ \[\d+\/\d+\] Restoring the backup/);
    expect(copied.stdout).toMatch(/✓ vault-test is running in [\d.]+ s/);
    const status = JSON.parse((await gs(['status', 'vault-test', '--json'])).stdout) as { server: Server };
    expect(status.server).toMatchObject({ game: 'minecraft-java', state: 'running' });
    expect(status.server.id).not.toBe(await serverId('vault'));

    const again = await gs(['backup', 'copy', 'vault', 'latest', 'vault-test', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({
      error: {
        code: 'name_taken',
        message: "This guild already has a server named 'vault-test'; pick another name.",
      },
    });
    expect((await gs(['delete', 'vault-test', '--no-final-backup', '--watch'])).code).toBe(0);
  }, 90_000);

  it('delete --no-final-backup leaves no backup; a plain delete leaves one, listed by the server id', async () => {
    const scratch = await serverId('scratch');
    const bare = await gs(['delete', 'scratch', '--no-final-backup', '--watch']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^Deleting scratch \(srv_[a-z0-9]{12}\) without a final backup; job /);
    expect(bare.stdout).toMatch(/✓ scratch is deleted in/);
    expect((await backups(scratch)).backups).toEqual([]);

    const vault = await serverId('vault');
    const kept = await gs(['delete', 'vault', '--watch']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(
      new RegExp(`Its final backup is ${BACKUP_ID.source} \\(.*\\); \`gs backup list ${vault}\` lists it\\.`),
    );
    const list = await backups(vault);
    expect(list.backups.filter((b) => b.reason === 'before-delete')).toHaveLength(1);
    const text = await gs(['backup', 'list', vault]);
    expect(text.stdout).toMatch(/\s+before-delete\s+guildserver\s+-/);

    // …and brings it back: the same server, running again.
    const back = await gs(['backup', 'undelete', vault]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(
      new RegExp(`^Bringing vault \\(${vault}\\) back from its final backup; job `),
    );
    expect(back.stdout).toMatch(/✓ vault is running in/);
    expect(await serverId('vault')).toBe(vault);
    const byName = await gs(['backup', 'undelete', 'vault']);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toMatch(/A deleted server is named by its id/);
  }, 120_000);
});
