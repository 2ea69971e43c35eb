// The Ansible runner against a stand-in `ansible-playbook` (Ansible is not installed here), and
// GAME_RUNNER=ansible through the pipeline.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getGame, type LicenceId } from '@guildserver/games';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnsibleRunner } from '../../src/pipeline/game/ansible-runner.js';
import { GameSetupError, type GameSetupRequest } from '../../src/pipeline/game/game-runner.js';
import { gameSecretsFromKey } from '../../src/pipeline/game/game-secrets.js';
import { ADMIN, createRequest, startStack } from './support.js';

const FAKE_ANSIBLE = `#!/bin/sh
# Stand-in for ansible-playbook: records what it was given, prints tasks, fails when the playbook says so.
printf '%s\\n' "$@" > "$PWD/last-args.txt"
inventory="$2"; vars="\${4#@}"; playbook="$5"
cp "$inventory" "$PWD/last-inventory.ini"; cp "$vars" "$PWD/last-vars.json"
echo "PLAY [game] ****"
echo "TASK [Gathering Facts] ****"
echo "ok: [host]"
echo "TASK [game : Install the server] ****"
if grep -q FAIL "$playbook"; then
  echo 'fatal: [host]: FAILED! => {"changed": false, "msg": "No package matching '"'"'game-server'"'"' is available"}'
  echo "PLAY RECAP ****"
  exit 2
fi
echo "changed: [host]"
echo "TASK [game : Start the service] ****"
echo "PLAY RECAP ****"
`;

// The admin accepted Mojang's EULA (GAME_LICENSES_ACCEPTED=minecraft-eula).
const MINECRAFT: ReadonlySet<LicenceId> = new Set(['minecraft-eula']);
const STEAM: ReadonlySet<LicenceId> = new Set(['steam']);

// Refuses SSH (UNREACHABLE, a YAML block message, as Ansible prints it) for as many runs as ./refusals says.
const FAKE_BOOTING_VM = `#!/bin/sh
count=$(cat "$PWD/runs" 2>/dev/null || echo 0); count=$((count + 1)); echo $count > "$PWD/runs"
echo "PLAY [game] ****"
echo "TASK [Gathering Facts] ****"
if [ "$count" -le "$(cat "$PWD/refusals")" ]; then
  echo 'fatal: [10.1.2.3]: UNREACHABLE! => '
  echo '    changed: false'
  echo '    msg: |-'
  echo '        Data could not be sent to remote host "10.1.2.3". Make sure this host can be reached over ssh: ssh: connect to host 10.1.2.3 port 22: Connection refused'
  echo '    unreachable: true'
  echo "PLAY RECAP ****"
  exit 4
fi
echo "ok: [host]"
echo "PLAY RECAP ****"
`;

describe('the Ansible game runner', () => {
  let dir: string;
  let command: string;
  const game = getGame('minecraft-java');
  const request = (progress: string[] = []): GameSetupRequest => ({
    server: { id: 'srv_abc123def456', name: 'alpha', guildId: '1' },
    game,
    ipv4: '10.1.2.3',
    ports: [{ purpose: 'game', index: 1, protocol: 'tcp', port: 20000, guestPort: 25565, published: true }],
    size: { cores: 2, memory: 4096, disk: 20 },
    signal: new AbortController().signal,
    onProgress: (message) => progress.push(message),
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gs-ansible-test-'));
    command = join(dir, 'ansible-playbook');
    writeFileSync(command, FAKE_ANSIBLE);
    chmodSync(command, 0o755);
    mkdirSync(join(dir, 'playbooks'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const readVars = () =>
    JSON.parse(readFileSync(join(dir, 'last-vars.json'), 'utf8')) as Record<string, unknown>;

  it('refuses with a clear sentence while the playbook does not exist', async () => {
    const runner = createAnsibleRunner({ ansibleDir: join(dir, 'nowhere'), command });
    await expect(runner.setup(request())).rejects.toThrow(
      /no Ansible playbook for Minecraft: Java Edition yet \(ansible\/playbooks\/minecraft-java\.yml\)/,
    );
  });

  it('runs the playbook with a per-run inventory and @vars file, streaming task names', async () => {
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '- hosts: game\n');
    const progress: string[] = [];
    const result = await createAnsibleRunner({ ansibleDir: dir, licencesAccepted: MINECRAFT, command }).setup(
      request(progress),
    );
    expect(result.detail).toMatch(
      /Installed Minecraft: Java Edition with playbooks\/minecraft-java\.yml \(3 tasks\)/,
    );
    expect(progress).toEqual([
      'Ansible: Gathering Facts',
      'Ansible: game : Install the server',
      'Ansible: game : Start the service',
    ]);
    const args = readFileSync(join(dir, 'last-args.txt'), 'utf8').trim().split('\n');
    expect(args[0]).toBe('-i');
    expect(args[2]).toBe('--extra-vars');
    expect(args[3]).toMatch(/^@\/.*vars\.json$/);
    expect(args[4]).toBe(join(dir, 'playbooks', 'minecraft-java.yml'));
    expect(readFileSync(join(dir, 'last-inventory.ini'), 'utf8')).toMatch(
      /^10\.1\.2\.3 ansible_user=gameserver /m,
    );
    const vars = JSON.parse(readFileSync(join(dir, 'last-vars.json'), 'utf8')) as Record<string, unknown>;
    expect(vars).toMatchObject({
      guildserver_server_id: 'srv_abc123def456',
      guildserver_game: 'minecraft-java',
    });
    expect(vars.guildserver_ports).toEqual([
      { purpose: 'game', protocol: 'tcp', port: 20000, guest_port: 25565 },
      // Not published, opened to private networks only: RCON.
      { purpose: 'rcon', protocol: 'tcp', port: null, guest_port: 25575 },
    ]);
    expect(vars.guildserver_settings).toEqual({ serverName: 'alpha' });
    // Not configured, not an RCON game: neither variable is there (the playbook's defaults apply).
    expect(vars).not.toHaveProperty('guildserver_serverlist_url');
    expect(vars).not.toHaveProperty('guildserver_rcon_password');
  });

  it('runs only the configure part on a VM cloned from a game image, and says so', async () => {
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '- hosts: game\n');
    const runner = createAnsibleRunner({ ansibleDir: dir, licencesAccepted: MINECRAFT, command });
    const result = await runner.setup({ ...request(), part: 'configure' });
    expect(result.detail).toBe(
      'Configured Minecraft: Java Edition, installed in its game image, with playbooks/minecraft-java.yml --tags configure (3 tasks).',
    );
    const args = readFileSync(join(dir, 'last-args.txt'), 'utf8').trim().split('\n');
    expect(args.slice(4)).toEqual([join(dir, 'playbooks', 'minecraft-java.yml'), '--tags', 'configure']);
    // The same variables as a full run: the configure part needs the server's name, ports and passwords.
    expect(readVars()).toMatchObject({
      guildserver_server_id: 'srv_abc123def456',
      guildserver_settings: { serverName: 'alpha' },
    });
  });

  it('passes the server-list URL when configured, and the RCON password to RCON-probed games only', async () => {
    const secrets = gameSecretsFromKey('k'.repeat(40));
    const runner = createAnsibleRunner({
      ansibleDir: dir,
      licencesAccepted: MINECRAFT,
      command,
      gameReportsUrl: 'http://10.0.0.2:8080/v1/serverlist',
      secrets,
    });
    writeFileSync(join(dir, 'playbooks', 'luanti.yml'), '- hosts: game\n');
    await runner.setup({ ...request(), game: getGame('luanti') });
    expect(readVars()).toMatchObject({
      guildserver_game: 'luanti',
      guildserver_serverlist_url: 'http://10.0.0.2:8080/v1/serverlist',
    });
    expect(readVars()).not.toHaveProperty('guildserver_rcon_password');

    writeFileSync(join(dir, 'playbooks', 'factorio.yml'), '- hosts: game\n');
    const progress: string[] = [];
    await runner.setup({ ...request(progress), game: getGame('factorio') });
    const vars = readVars();
    expect(vars.guildserver_rcon_password).toBe(secrets.rconPassword('srv_abc123def456'));
    expect(vars.guildserver_rcon_password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only ever in the vars file: not on the command line, not in what is shown.
    const args = readFileSync(join(dir, 'last-args.txt'), 'utf8');
    expect(args).not.toContain(String(vars.guildserver_rcon_password));
    expect(progress.join('\n')).not.toContain(String(vars.guildserver_rcon_password));
  });

  it('passes every catalog port: allocated ones by catalog purpose, RCON unpublished (port null)', async () => {
    writeFileSync(join(dir, 'playbooks', 'ark.yml'), '- hosts: game\n');
    const runner = createAnsibleRunner({ ansibleDir: dir, command, licencesAccepted: STEAM });
    // ARK has two game ports: the API stores them as game 1 and game 2.
    const allocated = (purpose: 'game' | 'query', index: number, port: number, guestPort: number) => ({
      purpose,
      index,
      protocol: 'udp' as const,
      port,
      guestPort,
      published: true,
    });
    const ports = [
      allocated('game', 1, 20010, 7777),
      allocated('game', 2, 20011, 7778),
      allocated('query', 1, 20012, 27015),
    ];
    await runner.setup({ ...request(), game: getGame('ark'), ports });
    expect(readVars().guildserver_ports).toEqual([
      { purpose: 'game', protocol: 'udp', port: 20010, guest_port: 7777 },
      { purpose: 'game', protocol: 'udp', port: 20011, guest_port: 7778 },
      { purpose: 'query', protocol: 'udp', port: 20012, guest_port: 27015 },
      { purpose: 'rcon', protocol: 'tcp', port: null, guest_port: 27020 },
    ]);

    // Factorio's readiness check is RCON: its port must reach the playbook, or the firewall keeps it shut.
    writeFileSync(join(dir, 'playbooks', 'factorio.yml'), '- hosts: game\n');
    await runner.setup({
      ...request(),
      game: getGame('factorio'),
      ports: [{ purpose: 'game', index: 1, protocol: 'udp', port: 20020, guestPort: 34197, published: true }],
    });
    expect(readVars().guildserver_ports).toContainEqual({
      purpose: 'rcon',
      protocol: 'tcp',
      port: null,
      guest_port: 34198,
    });
  });

  it('installs a licensed game only once GAME_LICENSES_ACCEPTED lists its licence, and says so', async () => {
    writeFileSync(join(dir, 'playbooks', 'valheim.yml'), '- hosts: game\n');
    rmSync(join(dir, 'last-vars.json'), { force: true });
    const valheim = { ...request(), game: getGame('valheim') };
    const refused = await createAnsibleRunner({ ansibleDir: dir, command, licencesAccepted: MINECRAFT })
      .setup(valheim)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GameSetupError);
    expect((refused as Error).message).toBe(
      'Valheim was not installed: Valve’s Steam License Agreement (SteamCMD) must be accepted by the admin first (add steam to GAME_LICENSES_ACCEPTED, then retry).',
    );
    expect(existsSync(join(dir, 'last-vars.json')), 'ansible-playbook did not run').toBe(false);

    const secrets = gameSecretsFromKey('k'.repeat(40));
    await createAnsibleRunner({ ansibleDir: dir, command, licencesAccepted: STEAM, secrets }).setup(valheim);
    const vars = readVars();
    expect(vars.steamcmd_accept_license).toBe(true);
    expect(vars).not.toHaveProperty('minecraft_java_accept_eula');
    // Valheim needs a join password: generated per server, the same one the owner is shown.
    expect(vars.guildserver_settings).toEqual({
      serverName: 'alpha',
      password: secrets.settingPassword('srv_abc123def456', 'password'),
    });
    expect(secrets.settingPassword('srv_abc123def456', 'password')).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{14}$/);
    expect(secrets.settingPassword('srv_other0000000', 'password')).not.toBe(
      secrets.settingPassword('srv_abc123def456', 'password'),
    );
  });

  it('runs again while a fresh VM still refuses SSH, then says plainly that it never answered', async () => {
    const booting = join(dir, 'booting-vm');
    writeFileSync(booting, FAKE_BOOTING_VM);
    chmodSync(booting, 0o755);
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '- hosts: game\n');
    rmSync(join(dir, 'runs'), { force: true });
    writeFileSync(join(dir, 'refusals'), '1');
    const progress: string[] = [];
    const runner = (waitMs: number) =>
      createAnsibleRunner({
        ansibleDir: dir,
        command: booting,
        licencesAccepted: MINECRAFT,
        sshReadyTimeoutMs: waitMs,
      });
    await runner(60_000).setup(request(progress));
    expect(readFileSync(join(dir, 'runs'), 'utf8').trim()).toBe('2');
    expect(progress).toContain('Waiting for SSH on 10.1.2.3 (the VM is still starting)');

    writeFileSync(join(dir, 'refusals'), '99');
    await expect(runner(0).setup(request())).rejects.toThrow(
      'Installing Minecraft: Java Edition failed at \'Gathering Facts\': Data could not be sent to remote host "10.1.2.3". Make sure this host can be reached over ssh: ssh: connect to host 10.1.2.3 port 22: Connection refused',
    );
  }, 30_000);

  it('says which task failed and why, and keeps the whole output', async () => {
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '# FAIL\n');
    const failure = await createAnsibleRunner({ ansibleDir: dir, licencesAccepted: MINECRAFT, command })
      .setup(request())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GameSetupError);
    expect((failure as GameSetupError).message).toBe(
      "Installing Minecraft: Java Edition failed at 'game : Install the server': No package matching 'game-server' is available",
    );
    expect((failure as GameSetupError).log).toContain('PLAY RECAP');
  });

  it('says so when ansible-playbook is not installed', async () => {
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '- hosts: game\n');
    const runner = createAnsibleRunner({
      ansibleDir: dir,
      licencesAccepted: MINECRAFT,
      command: join(dir, 'no-such-ansible'),
    });
    await expect(runner.setup(request())).rejects.toThrow(/is not installed on the worker's machine/);
  });

  it('stops a playbook that runs past its deadline', async () => {
    const slow = join(dir, 'slow-ansible');
    writeFileSync(slow, '#!/bin/sh\necho "TASK [Wait forever] ***"\nexec sleep 30\n');
    chmodSync(slow, 0o755);
    const runner = createAnsibleRunner({
      ansibleDir: dir,
      licencesAccepted: MINECRAFT,
      command: slow,
      timeoutMs: 300,
    });
    await expect(runner.setup(request())).rejects.toThrow(
      /took longer than .* and was stopped during 'Wait forever'/,
    );
  });
});

describe('GAME_RUNNER=ansible through the pipeline', () => {
  it('fails the create at setup_game with a readable reason, keeps the log, and cleans up', async () => {
    // The runner looks in an empty ansible dir: the repository's own playbooks would make a real
    // ansible-playbook try SSH to the simulator's made-up VM address.
    const empty = mkdtempSync(join(tmpdir(), 'gs-ansible-empty-'));
    const stack = await startStack({
      env: { GAME_RUNNER: 'ansible', GAME_LICENSES_ACCEPTED: 'minecraft-eula' },
      worker: { gameRunner: createAnsibleRunner({ ansibleDir: empty }) },
    });
    try {
      const { server, jobId } = await stack.service.create(createRequest('ansible'), ADMIN);
      const job = await stack.waitForJob(jobId);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('game_setup_failed');
      expect(job.error?.step).toBe('setup_game');
      expect(job.error?.message).toMatch(/no Ansible playbook for Minecraft: Java Edition yet/);
      expect(stack.vmsOf(server.id)).toEqual([]);
      expect(stack.portsOf(server.id)).toBe(0);
    } finally {
      await stack.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('keeps the full Ansible output on the failed job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-ansible-pipe-'));
    mkdirSync(join(dir, 'playbooks'));
    writeFileSync(join(dir, 'playbooks', 'minecraft-java.yml'), '# FAIL\n');
    const command = join(dir, 'ansible-playbook');
    writeFileSync(command, FAKE_ANSIBLE);
    chmodSync(command, 0o755);
    const stack = await startStack({
      worker: { gameRunner: createAnsibleRunner({ ansibleDir: dir, licencesAccepted: MINECRAFT, command }) },
    });
    try {
      const { server, jobId } = await stack.service.create(createRequest('ansiblelog'), ADMIN);
      const job = await stack.waitForJob(jobId);
      expect(job.error?.message).toMatch(/failed at 'game : Install the server'/);
      expect(job.log).toContain('TASK [game : Install the server]');
      expect(
        stack
          .eventsOf(server.id)
          .some((e) => e.type === 'step.progress' && e.message === 'Ansible: Gathering Facts'),
      ).toBe(true);
      expect(stack.vmsOf(server.id)).toEqual([]);
    } finally {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
