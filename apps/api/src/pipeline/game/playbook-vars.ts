// The extra variables the API gives a game's playbook, and the inventory group each playbook targets (the
// contract is written in ansible/README.md). One builder, so the worker's runs, the dynamic inventory operators
// run by hand with (GET /v1/inventory) and the Ansible tests (test/support/api-vars.ts) pass exactly the same.
import {
  type GameDefinition,
  type GamePort,
  gamePorts,
  generatedPasswordSettings,
  type LicenceId,
  usesServerRconSecret,
} from '@guildserver/games';
import type { ApiConfig } from '../../config.js';
import type { ServerPort } from '../../domain/server-ports.js';
import type { GameSetupRequest } from './game-runner.js';
import type { GameSecrets } from './game-secrets.js';

export interface PlaybookPort {
  purpose: GamePort['purpose'];
  protocol: GamePort['protocol'];
  /** The port players use on HOST_EXTERNAL; null for a port that is not published (RCON). */
  port: number | null;
  /** Where the game listens inside the VM. */
  guest_port: number;
}

export interface PlaybookVarsOptions {
  hostExternal?: string;
  gameReportsUrl?: string;
  secrets?: GameSecrets;
  licencesAccepted?: ReadonlySet<LicenceId>;
}

export type PlaybookRequest = Pick<GameSetupRequest, 'server' | 'game' | 'ports' | 'size'>;

/** What the API's configuration makes of every run: the same for the worker and the inventory. */
export function playbookVarsOptions(
  config: Pick<ApiConfig, 'hostExternal' | 'gameReportsUrl' | 'licencesAccepted'>,
  secrets: GameSecrets,
): PlaybookVarsOptions {
  return {
    hostExternal: config.hostExternal,
    gameReportsUrl: config.gameReportsUrl,
    secrets,
    licencesAccepted: config.licencesAccepted,
  };
}

/**
 * An inventory group name: `<prefix>_<value>`, lower case, every character Ansible does not allow in a group
 * name as `_` (`minecraft-java` → `game_minecraft_java`).
 */
export function inventoryGroup(prefix: 'game' | 'guild' | 'state' | 'name', value: string): string {
  return `${prefix}_${value.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/** The only hosts a game's playbook runs on (its `hosts:`), so no --limit can put one game on another's VM. */
export const playbookHosts = (game: Pick<GameDefinition, 'id'>) => inventoryGroup('game', game.id);

export function playbookVars(request: PlaybookRequest, options: PlaybookVarsOptions = {}) {
  const { game, server, size } = request;
  return {
    guildserver_server_id: server.id,
    guildserver_server_name: server.name,
    guildserver_guild_id: server.guildId,
    guildserver_game: game.id,
    guildserver_host_external: options.hostExternal ?? null,
    guildserver_ports: playbookPorts(game, request.ports),
    guildserver_size: { cores: size.cores, memory_mib: size.memory, disk_gib: size.disk },
    // The API stores no per-server settings yet beyond the name; required passwords are generated (and shown to
    // the owner through GET /v1/servers/:id/credentials).
    guildserver_settings: {
      serverName: server.name,
      ...(options.secrets ? generatedPasswords(game, server.id, options.secrets) : {}),
    },
    ...(options.gameReportsUrl ? { guildserver_serverlist_url: options.gameReportsUrl } : {}),
    ...(usesServerRconSecret(game) && options.secrets
      ? { guildserver_rcon_password: options.secrets.rconPassword(server.id) }
      : {}),
    ...acceptedLicenceVars(game, options.licencesAccepted ?? new Set()),
  };
}

/**
 * Every port of the catalog, as the playbooks take them: the server's allocated ones, then the ports only our
 * tools use (RCON), not published, which the VM's firewall opens to private networks only — the readiness
 * probe needs them.
 */
export function playbookPorts(game: GameDefinition, allocated: readonly ServerPort[]): PlaybookPort[] {
  const unpublished = gamePorts(game).filter((p) => !p.published);
  return [...allocated.map((p) => playbookPort(p, p.port)), ...unpublished.map((p) => playbookPort(p, null))];
}

function playbookPort({ purpose, protocol, guestPort }: GamePort, port: number | null): PlaybookPort {
  return { purpose, protocol, port, guest_port: guestPort };
}

function generatedPasswords(game: GameDefinition, serverId: string, secrets: GameSecrets) {
  return Object.fromEntries(
    generatedPasswordSettings(game).map((s) => [s.key, secrets.settingPassword(serverId, s.key)]),
  );
}

/** The vars that tell a playbook which of its game's licences the admin accepted. */
export function acceptedLicenceVars(
  game: GameDefinition,
  accepted: ReadonlySet<LicenceId>,
): Record<string, true> {
  return Object.fromEntries(
    game.licences.filter((need) => accepted.has(need.licence)).map((need) => [need.ansibleVar, true]),
  );
}
