// The games whose installs need the internet (vendor downloads, SteamCMD) cannot be installed here. Against a
// real Debian bookworm target that reaches only Debian's mirror, their playbooks run in --check mode through to
// the download, rendering the firewall the catalog asks for; the roles that need no internet (`common`, `java`
// from Debian's OpenJDK) run for real, twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAMES, LICENCE_IDS } from '../packages/games/src/index';
import { changedTasks, runPlaybook } from './support/ansible-run';
import { apiVars, expectedOpenPorts, expectedRconPorts } from './support/api-vars';
import { missingTargetTools, startTarget, type Target } from './support/bookworm-target';

const missing = await missingTargetTools();
const INTERNET_GAMES = GAMES.filter((game) => game.install.kind !== 'debian-package');
/** Licences are accepted explicitly, as the admin does with GAME_LICENSES_ACCEPTED. */
const ACCEPTED = { licencesAccepted: new Set(LICENCE_IDS) };
const RCON_SOURCE = /^\+\s+ip saddr \{ [^}]+ \} (tcp|udp) dport (\d+) accept comment "rcon"/gm;

function taskNames(output: string): string[] {
  return [...output.matchAll(/^TASK \[(.+?)\]/gm)].map((m) => m[1]!);
}

describe.skipIf(missing.length > 0)('internet-bound games on a target without the internet', () => {
  let target: Target;
  const timings: string[] = [];

  beforeAll(async () => {
    target = await startTarget('checkmode');
  }, 10 * 60_000);

  afterAll(async () => {
    await target?.stop();
    console.log(`[check mode] ${timings.join('; ')}`);
  }, 60_000);

  it.each(INTERNET_GAMES.map((game) => [game.id, game] as const))(
    '%s: --check runs through to the download and renders the catalog firewall',
    async (_id, game) => {
      const run = await runPlaybook(game.playbook, {
        inventory: target.inventory,
        vars: apiVars(game, `Check ${game.id}`, {}, ACCEPTED),
        check: true,
        diff: true,
      });
      timings.push(`${game.id} --check ${run.seconds} s`);
      expect(run.recap, run.output.slice(-6000)).toMatchObject({ failed: 0, unreachable: 0 });
      expect(
        taskNames(run.output).filter((name) => /download/i.test(name)),
        'a download task',
      ).not.toEqual([]);
      const firewall = run.output.slice(run.output.indexOf('TASK [common : Write the firewall rules'));
      const rendered = firewall.slice(0, firewall.indexOf('\nTASK ['));
      const open = [...rendered.matchAll(/^\+\s+(tcp|udp) dport (\d+) accept/gm)]
        .map((m) => `${m[2]}/${m[1]}`)
        .sort();
      expect(open).toEqual(expectedOpenPorts(game));
      // RCON (Factorio's readiness check) from private networks only: the API passes it unpublished.
      const rcon = [...rendered.matchAll(RCON_SOURCE)].map((m) => `${m[2]}/${m[1]}`).sort();
      expect(rcon).toEqual(expectedRconPorts(game));
    },
    10 * 60_000,
  );

  it(
    'runs common and java (Debian OpenJDK 17) for real, and a second run changes nothing',
    async () => {
      const playbook = '../test/fixtures/java-runtime.yml';
      const first = await runPlaybook(playbook, { inventory: target.inventory });
      expect(first.recap, first.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
      const { stderr } = await target.ssh('java -version');
      expect(stderr).toMatch(/openjdk version "17\./);
      const second = await runPlaybook(playbook, { inventory: target.inventory });
      expect(second.recap, `changed: ${changedTasks(second.output).join(', ')}`).toMatchObject({
        changed: 0,
        failed: 0,
      });
      timings.push(`common+java first run ${first.seconds} s, second ${second.seconds} s`);
    },
    15 * 60_000,
  );
});
