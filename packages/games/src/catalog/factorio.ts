import { defineGame, joinPassword, maxPlayers, port, serverName, worldSeed } from './parts';

// Sources: LinuxGSM lgsm/config-default/config-lgsm/fctrserver/_default.cfg (port 34197, rconport 34198,
// executable bin/x64/factorio) and info_messages.sh (game udp, rcon tcp); pelican-eggs/games-standalone
// factorio (single port 34197, versions from factorio.com/api/latest-releases, download from
// factorio.com/get-download/<version>/headless/linux64). Factorio publishes SHA-256 sums of every file at
// factorio.com/download/sha256sums/. gamedig's `factorio` type asks factorio.com's matchmaking server, which
// only knows public games logged in with a factorio.com account — so the server is probed over RCON instead.
export const factorio = defineGame({
  id: 'factorio',
  name: 'Factorio (headless)',
  ports: [
    port('game', 'udp', 34197, 'players connect here'),
    port('rcon', 'tcp', 34198, 'RCON, for the status probe and saving'),
  ],
  resources: {
    default: { cores: 2, memory: 4096, disk: 10 },
    minimum: { cores: 1, memory: 2048, disk: 8 },
  },
  cpu: 'x86-64-v2-AES',
  install: {
    kind: 'vendor-download',
    downloads: [
      {
        variant: 'headless',
        versionSource: 'https://factorio.com/api/latest-releases (stable.headless)',
        urlPattern: 'https://factorio.com/get-download/<version>/headless/linux64',
        checksum: {
          kind: 'published',
          algorithm: 'sha256',
          source: 'https://www.factorio.com/download/sha256sums/',
          how: 'the line naming the headless archive of <version> (factorio-headless_linux_<version>.tar.xz since 2.0, factorio_headless_x64_<version>.tar.xz before), compared with the downloaded archive',
        },
      },
    ],
  },
  playbook: 'playbooks/factorio.yml',
  licences: [],
  settings: [
    serverName('A GuildServer Factorio server', 50),
    maxPlayers(0, 0, 255, '0 means no limit.'),
    joinPassword(0, 64),
    {
      key: 'autosaveMinutes',
      label: 'Autosave every (minutes)',
      type: 'integer',
      default: 10,
      min: 1,
      max: 60,
    },
    worldSeed(10, '^[0-9]*$'),
  ],
  backup: {
    hold: { kind: 'rcon', password: 'server-secret', before: ['/server-save'], after: [], say: '{message}' },
    worldDir: '/srv/guildserver/factorio',
  },
  sleep: 'hibernate',
  query: {
    kind: 'probe',
    protocol: 'source-rcon',
    port: 34198,
    transport: 'tcp',
    command: '/players online count',
    players:
      'The answer begins "Online players (<n>):"; <n> is the count. A successful login alone means up.',
    // Generating a new map and opening RCON takes well under a minute on the default size.
    readyWithinSeconds: 180,
  },
});
