// The real-run tests of the Debian-packaged games: the game's playbook runs for real against a fresh bookworm
// target with the variables the API would pass, the game starts under its systemd unit, the host's readiness
// query (the same code the worker uses) gets the game's own answer, the firewall opens only what the catalog
// says, and a second run changes nothing.

import { execFile } from 'node:child_process';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryGame,
  type ServerListReceiver,
  startServerListReceiver,
} from '../../packages/game-query/src/index';
import { type GameId, getGame } from '../../packages/games/src/index';
import { ANSIBLE_DIR, changedTasks, runPlaybook } from './ansible-run';
import { apiVars, expectedOpenPorts } from './api-vars';
import { missingTargetTools, startTarget, type Target } from './bookworm-target';
import { loadYaml } from './yaml';

const exec = promisify(execFile);

const missing = await missingTargetTools();
if (missing.length > 0) {
  console.warn(
    `\n*** SKIPPING the real Ansible runs: missing ${missing.join(', ')}. ` +
      'Run `bash scripts/test.sh` as root (it installs them with apt-get). ***\n',
  );
}

/** First runs download packages (cached afterwards in GUILDSERVER_CACHE_DIR): allow for a slow mirror. */
const FIRST_RUN_TIMEOUT_MS = 20 * 60_000;

/**
 * `seal`: also seal the target as a game image (about 70 s). One game's real seal is enough for the suite's time;
 * test/ansible-seal.test.ts checks every game's list of per-server paths against its configure tasks.
 */
export function realRunSuite(gameId: GameId, settings: { maxPlayers: number; seal?: boolean }): void {
  const game = getGame(gameId);
  const unit = `guildserver-${gameId}`;
  const serverName = `GuildServer real run ${gameId}`;
  const timings: string[] = [];

  describe.skipIf(missing.length > 0)(`${game.name}: the playbook run for real on Debian bookworm`, () => {
    let target: Target;
    let serverList: ServerListReceiver | undefined;
    let vars: Record<string, unknown>;

    beforeAll(async () => {
      target = await startTarget(gameId);
      if (game.query.kind === 'probe' && game.query.protocol === 'luanti-hello') {
        serverList = await startServerListReceiver({ host: target.hostIp });
      }
      vars = apiVars(game, serverName, {
        guildserver_settings: { serverName, maxPlayers: settings.maxPlayers },
        ...(serverList ? { guildserver_serverlist_url: `http://${target.hostIp}:${serverList.port}` } : {}),
      });
    }, 10 * 60_000);

    afterAll(async () => {
      await serverList?.close();
      await target?.stop();
      console.log(`[real run] ${game.name}: ${timings.join('; ')}`);
    }, 60_000);

    /** One part of the playbook (`--tags install` or `--tags configure`), which must succeed. */
    const runPart = async (part: 'install' | 'configure') => {
      const run = await runPlaybook(game.playbook, {
        inventory: target.inventory,
        vars,
        args: ['--tags', part],
      });
      expect(run.recap, run.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
      expect(run.code).toBe(0);
      return run;
    };

    it(
      'installs the game as a game image build would (--tags install): nothing of this server, nothing started',
      async () => {
        const run = await runPart('install');
        const apt = target.proxy.stats;
        timings.push(
          `install run ${run.seconds} s (apt: ${apt.fetched} downloaded, ${apt.hits} from the cache)`,
        );
        const { stdout } = await target.ssh(
          `systemctl is-active ${unit} || true; systemctl is-enabled ${unit} || true`,
        );
        const [active, enabled] = stdout.split('\n');
        expect(active).not.toBe('active');
        expect(enabled).not.toBe('enabled');
        expect(await filesNaming(target, serverName)).toEqual([]);
        // The firewall's rules are the configure part's: the game's ports are not open yet (there may be no
        // firewall at all yet).
        const rules = await target.ssh('nft list chain inet filter input 2>/dev/null || true');
        const gamePorts = expectedOpenPorts(game).filter((port) => port !== '22/tcp');
        expect(openPorts(rules.stdout).filter((port) => gamePorts.includes(port))).toEqual([]);
      },
      FIRST_RUN_TIMEOUT_MS,
    );

    it(
      'configures the server as a clone of that image would (--tags configure) and starts it under its systemd unit',
      async () => {
        const run = await runPart('configure');
        timings.push(`configure run ${run.seconds} s`);
        const { stdout } = await target.ssh(`systemctl is-active ${unit}; systemctl is-enabled ${unit}`);
        expect(stdout.split('\n').slice(0, 2)).toEqual(['active', 'enabled']);
      },
      10 * 60_000,
    );

    it("answers the host's readiness query with its name and player count", async () => {
      const started = Date.now();
      const answer = await waitForAnswer(() => queryGame(game, target.ip, { timeoutMs: 2_000 }), 120_000);
      if (serverList) {
        // Luanti's protocol says only "up"; the name and players come from its announce to the server list.
        expect(answer.players).toBeUndefined();
        const { announce } = await serverList.waitFor(target.ip, game.query.port, { timeoutMs: 60_000 });
        expect(announce).toMatchObject({ name: serverName, clients: 0, clientsMax: settings.maxPlayers });
      } else {
        expect(answer.name).toBe(serverName);
        expect(answer.players).toEqual({ online: 0, max: settings.maxPlayers });
      }
      timings.push(`answered ${((Date.now() - started) / 1000).toFixed(1)} s after the run`);
    }, 180_000);

    it('lets in only SSH and the ports the catalog lists', async () => {
      const { stdout } = await target.ssh('nft list chain inet filter input');
      expect(openPorts(stdout)).toEqual(expectedOpenPorts(game));
      expect(stdout).toContain('policy drop');
    });

    it(
      'changes nothing on a second run',
      async () => {
        const run = await runPlaybook(game.playbook, { inventory: target.inventory, vars });
        timings.push(`second run ${run.seconds} s`);
        expect(run.recap, `changed: ${changedTasks(run.output).join(', ')}`).toMatchObject({
          changed: 0,
          failed: 0,
        });
      },
      10 * 60_000,
    );

    it(
      'shows no change in a --check --diff run, as an operator would check before running it by hand',
      async () => {
        const run = await runPlaybook(game.playbook, {
          inventory: target.inventory,
          vars,
          check: true,
          diff: true,
        });
        timings.push(`--check --diff ${run.seconds} s`);
        expect(run.recap, `changed: ${changedTasks(run.output).join(', ')}`).toMatchObject({
          changed: 0,
          failed: 0,
        });
      },
      10 * 60_000,
    );

    it(
      "shows no change in a --check --diff --tags configure run, the routine check of a server's configuration",
      async () => {
        const run = await runPlaybook(game.playbook, {
          inventory: target.inventory,
          vars,
          check: true,
          diff: true,
          args: ['--tags', 'configure'],
        });
        timings.push(`--check --diff --tags configure ${run.seconds} s`);
        expect(run.recap, `changed: ${changedTasks(run.output).join(', ')}`).toMatchObject({
          changed: 0,
          failed: 0,
        });
      },
      10 * 60_000,
    );

    it(
      'is operated with plain systemctl and journalctl',
      async () => {
        await target.ssh(`systemctl restart ${unit}`);
        await waitForAnswer(() => queryGame(game, target.ip, { timeoutMs: 2_000 }), 120_000);
        await target.ssh(`systemctl stop ${unit}`);
        await expect(queryGame(game, target.ip, { timeoutMs: 1_500 })).rejects.toThrow();
        await target.ssh(`systemctl start ${unit}`);
        await waitForAnswer(() => queryGame(game, target.ip, { timeoutMs: 2_000 }), 120_000);
        const { stdout } = await target.ssh(`journalctl -u ${unit} --no-pager -o cat | wc -l`);
        expect(Number(stdout.trim())).toBeGreaterThan(0);
      },
      5 * 60_000,
    );

    it.skipIf(game.backup.hold.kind !== 'stop-service')(
      'is held for a backup by playbooks/game-service.yml: stopped (it saves on exit), then started again',
      async () => {
        const hold = async (state: 'stopped' | 'started') => {
          const run = await runPlaybook('playbooks/game-service.yml', {
            inventory: target.inventory,
            vars: { ...vars, game_service_state: state },
          });
          expect(run.recap, run.output.slice(-3000)).toMatchObject({ failed: 0, unreachable: 0 });
          expect(run.recap!.changed).toBe(1);
        };
        // `inactive`, not `failed`: a clean stop must not read as a crash to an operator or to monitoring.
        const unitState = async () => {
          const { stdout } = await target.ssh(
            `systemctl is-active ${unit} || true; systemctl status ${unit} --no-pager -n 20 || true`,
          );
          const [state = '', ...status] = stdout.split('\n');
          return { state: state.trim(), status: status.join('\n') };
        };
        await hold('stopped');
        const stopped = await unitState();
        expect(stopped.state, stopped.status).toBe('inactive');
        await expect(queryGame(game, target.ip, { timeoutMs: 1_500 })).rejects.toThrow();
        await hold('started');
        const started = await unitState();
        expect(started.state, started.status).toBe('active');
        await waitForAnswer(() => queryGame(game, target.ip, { timeoutMs: 2_000 }), 120_000);
      },
      5 * 60_000,
    );

    if (settings.seal)
      it(
        'is sealed as an image by playbooks/seal.yml: nothing of this VM or server left, the install kept, a second run changing nothing',
        async () => {
          // Without host keys sshd takes no new logins (it reads them at each one): the runs and the checks after
          // the seal share one SSH connection, opened by the --check run, as an operator's runs would in a row.
          const env = {
            ANSIBLE_SSH_ARGS: '-C -o ControlMaster=auto -o ControlPersist=300s',
            ANSIBLE_SSH_CONTROL_PATH_DIR: join(dirname(target.inventory), 'cp'),
          };
          const seal = (check = false) =>
            runPlaybook('playbooks/seal.yml', { inventory: target.inventory, vars, env, check });
          /** `key=value` lines of a script run as root on the target, over that connection. */
          const onTarget = async (script: string) => {
            const { stdout } = await exec(
              'ansible',
              ['-i', target.inventory, 'target', '--become', '-m', 'ansible.builtin.shell', '-a', script],
              { cwd: ANSIBLE_DIR, env: { ...process.env, ...env, ANSIBLE_NOCOLOR: '1' } },
            );
            const lines = stdout.slice(stdout.indexOf('>>\n') + 3).split('\n');
            return lines.filter((line) => line.includes('=')).map((line) => line.trim());
          };
          const role = gameId.replaceAll('-', '_');
          const { paths, firewall } = await sealPaths(role);

          const check = await seal(true);
          timings.push(`seal --check ${check.seconds} s`);
          expect(check.recap, check.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
          expect(check.output).toContain(`would be sealed as a game image of ${gameId}`);
          expect(
            await onTarget(
              `echo keys=$(ls /etc/ssh | grep -c ^ssh_host_); echo active=$(systemctl is-active ${unit})`,
            ),
          ).toEqual([expect.stringMatching(/^keys=[1-9]/), 'active=active']);

          const sealed = await seal();
          timings.push(`seal ${sealed.seconds} s`);
          expect(sealed.recap, sealed.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
          expect(sealed.output).toContain(`target is sealed as a game image of ${gameId}`);

          const exact = paths.filter((path) => !/[*?[]/.test(path));
          const globs = paths.filter((path) => /[*?[]/.test(path));
          const execStart = `systemctl show -p ExecStart --value ${unit} | sed -n 's/.*path=\\([^ ;]*\\).*/\\1/p'`;
          const state = await onTarget(
            [
              'echo machine-id=$(stat -c %F:%s /etc/machine-id)',
              'echo dbus-machine-id=$(readlink /var/lib/dbus/machine-id)',
              'echo host-keys=$(ls /etc/ssh | grep -c ^ssh_host_)',
              'echo cloud-instance=$(test -e /var/lib/cloud/instance && echo present || echo gone)',
              `echo unit=$(systemctl is-active ${unit}),$(systemctl is-enabled ${unit})`,
              ...exact.map((path) => `test -e '${path}' && echo left=${path}`),
              ...globs.map(
                (glob) =>
                  `test -d '${posix.dirname(glob)}' || echo missing=${posix.dirname(glob)}; ` +
                  `find '${posix.dirname(glob)}' -mindepth 1 -maxdepth 1 -name '${posix.basename(glob)}' | sed 's/^/left=/'`,
              ),
              `echo unit-file=$(test -f /etc/systemd/system/${unit}.service && echo kept)`,
              `echo exec-start=$(test -x "$(${execStart})" && echo kept)`,
              'echo firewall=$(base64 -w0 /etc/nftables.conf)',
              'echo apt-files=$(find /var/cache/apt /var/lib/apt/lists -type f ! -name lock | wc -l)',
              'echo journal-files=$(find /var/log -name "*.journal*" | wc -l)',
              'echo logs-with-lines=$(find /var/log -type f -size +0 | wc -l)',
              "echo tmp=$(find /tmp /var/tmp -mindepth 1 -maxdepth 1 ! -name 'systemd-private-*' ! -name 'ansible_*_payload_*' | wc -l)",
              'echo history=$(ls /root/.bash_history /home/gameserver/.bash_history 2>/dev/null | wc -l)',
              'echo cloud-init=$(test -x /usr/bin/cloud-init && echo installed || echo absent)',
              'true',
            ].join('; '),
          );
          const cloudInit = state.includes('cloud-init=installed');
          expect(state).toEqual([
            'machine-id=regular empty file:0',
            'dbus-machine-id=/etc/machine-id',
            'host-keys=0',
            'cloud-instance=gone',
            'unit=inactive,disabled',
            'unit-file=kept',
            'exec-start=kept',
            `firewall=${Buffer.from(firewall).toString('base64')}`,
            'apt-files=0',
            'journal-files=0',
            'logs-with-lines=0',
            'tmp=0',
            'history=0',
            `cloud-init=${cloudInit ? 'installed' : 'absent'}`,
          ]);

          // sshd reads its host keys at each login: with none left, a new login is refused until the shutdown.
          await expect(target.ssh('true')).rejects.toThrow();

          const again = await seal();
          timings.push(`second seal ${again.seconds} s`);
          expect(again.recap, again.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
          // Every SSH login with a terminal is written to wtmp and lastlog: the one task that cannot stay unchanged.
          const changed = changedTasks(again.output).filter(
            (task) => task !== 'Empty the login records (wtmp, btmp, lastlog)',
          );
          expect(changed, again.output.slice(-4000)).toEqual([]);

          if (!cloudInit) {
            // No cloud-init to make a clone's host keys: sshd makes them itself when it starts, as on the image's
            // first boot, and takes new logins again.
            await onTarget('systemctl restart ssh; true');
            const { stdout } = await target.ssh('ls /etc/ssh | grep -c ^ssh_host_');
            expect(Number(stdout.trim())).toBeGreaterThan(0);
          }
        },
        5 * 60_000,
      );
  });
}

/** The game role's <role>_seal_paths, resolved from its defaults, and the firewall seal.yml puts back. */
async function sealPaths(role: string): Promise<{ paths: string[]; firewall: string }> {
  const defaults = (await loadYaml(join(ANSIBLE_DIR, 'roles', role, 'defaults', 'main.yml'))) as Record<
    string,
    unknown
  >;
  const common = (await loadYaml(join(ANSIBLE_DIR, 'roles', 'common', 'defaults', 'main.yml'))) as Record<
    string,
    unknown
  >;
  const resolve = (text: string): string =>
    text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_whole, name: string) => resolve(String(defaults[name])));
  return {
    paths: (defaults[`${role}_seal_paths`] as string[]).map(resolve),
    firewall: String(common.common_seal_firewall),
  };
}

/** `<port>/<protocol>` of every port an `nft list chain` output accepts, sorted. */
function openPorts(rules: string): string[] {
  return [...rules.matchAll(/(tcp|udp) dport (\d+) accept/g)].map((m) => `${m[2]}/${m[1]}`).sort();
}

/** Files on the target that hold `text`, where an install would write (apt's and dpkg's own records aside). */
async function filesNaming(target: Target, text: string): Promise<string[]> {
  const quoted = `'${text.replaceAll("'", "'\\''")}'`;
  const { stdout } = await target.ssh(
    `grep -rIlF -e ${quoted} /etc /srv /opt /usr/local /var/lib 2>/dev/null || true`,
  );
  return stdout.split('\n').filter((file) => file && !/^\/var\/lib\/(apt|dpkg)\//.test(file));
}

async function waitForAnswer<T>(query: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await query();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
