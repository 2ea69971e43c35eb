import { defineGame, joinPassword, maxPlayers, port, worldSeed } from './parts';

// Sources: LinuxGSM lgsm/modules/info_messages.sh (fn_info_messages_terraria: game 7777/tcp);
// pelican-eggs/games-standalone terraria/tshock (port 7777, MAX_PLAYERS 8, release asset matching
// "linux-amd64" from the GitHub releases API, executable TShock.Server); gamedig lib/games.js
// `terrariatshock` (port 7777, query offset +101 → 7878: TShock's REST API) and GAMES_LIST.md (needs TShock and
// a REST token). GitHub's releases API reports a `digest` ("sha256:…") for every release asset.
export const terraria = defineGame({
  id: 'terraria',
  name: 'Terraria (TShock)',
  ports: [
    port('game', 'tcp', 7777, 'players connect here'),
    port('query', 'tcp', 7878, 'TShock REST API, for the status query'),
  ],
  resources: {
    default: { cores: 2, memory: 2048, disk: 10 },
    minimum: { cores: 1, memory: 1024, disk: 8 },
  },
  cpu: 'x86-64-v2-AES',
  install: {
    kind: 'vendor-download',
    downloads: [
      {
        variant: 'tshock',
        versionSource: 'https://api.github.com/repos/Pryaxis/TShock/releases/latest',
        urlPattern:
          'https://github.com/Pryaxis/TShock/releases/download/<tag>/TShock-<version>-for-Terraria-<terraria>-linux-amd64-Release.zip (the asset whose name contains linux-amd64)',
        checksum: {
          kind: 'published',
          algorithm: 'sha256',
          source: 'https://api.github.com/repos/Pryaxis/TShock/releases/tags/<tag>',
          how: 'the asset’s `digest` field ("sha256:<hex>") in the release JSON, compared with the downloaded zip',
        },
      },
    ],
  },
  playbook: 'playbooks/terraria.yml',
  licences: [],
  settings: [
    {
      key: 'worldName',
      label: 'World name',
      type: 'string',
      default: 'GuildServer',
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9 _-]+$',
    },
    maxPlayers(8, 1, 255),
    joinPassword(0, 64),
    {
      key: 'worldSize',
      label: 'World size',
      type: 'enum',
      default: 'medium',
      options: ['small', 'medium', 'large'],
    },
    {
      key: 'difficulty',
      label: 'Difficulty',
      type: 'enum',
      default: 'classic',
      options: ['journey', 'classic', 'expert', 'master'],
    },
    worldSeed(64),
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/terraria' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'terrariatshock',
    port: 7878,
    transport: 'tcp',
    notes:
      'TShock’s REST API (/v2/server/status); the playbook enables it and creates an application token, passed to gamedig as `token`.',
    // Generating a small world takes 1 to 2 min.
    readyWithinSeconds: 180,
  },
});
