import { defineGame, maxPlayers, port, serverName, worldSeed } from './parts';

// Sources: LinuxGSM lgsm/modules/info_messages.sh (fn_info_messages_mc: game tcp, query udp, rcon tcp) and
// Minecraft's server.properties defaults (server-port 25565, rcon.port 25575, max-players 20,
// difficulty easy); gamedig lib/games.js `minecraft` (port 25565); pelican-eggs/minecraft java/paper/egg-paper.yaml
// (Paper from fill.papermc.io v3, Java 21 image). Paper's build API publishes a SHA-256 per build; Mojang's
// version manifest publishes a SHA-1 per server jar.
export const minecraftJava = defineGame({
  id: 'minecraft-java',
  name: 'Minecraft: Java Edition',
  ports: [
    port('game', 'tcp', 25565, 'players connect here; also answers the status ping'),
    port('rcon', 'tcp', 25575, 'RCON, for saving and stopping cleanly'),
  ],
  resources: {
    default: { cores: 2, memory: 4096, disk: 20 },
    minimum: { cores: 1, memory: 2048, disk: 10 },
  },
  cpu: 'x86-64-v2-AES',
  install: {
    kind: 'vendor-download',
    downloads: [
      {
        variant: 'paper',
        versionSource: 'https://fill.papermc.io/v3/projects/paper (newest version, then its newest build)',
        urlPattern:
          'https://fill.papermc.io/v3/projects/paper/versions/<version>/builds/<build> → downloads."server:default".url',
        checksum: {
          kind: 'published',
          algorithm: 'sha256',
          source: 'https://fill.papermc.io/v3/projects/paper/versions/<version>/builds/<build>',
          how: 'downloads."server:default".checksums.sha256 of the same build, compared with the downloaded jar',
        },
      },
      {
        variant: 'vanilla',
        versionSource: 'https://piston-meta.mojang.com/mc/game/version_manifest_v2.json (latest.release)',
        urlPattern:
          'https://piston-data.mojang.com/v1/objects/<sha1>/server.jar (downloads.server.url of the version JSON linked from the manifest)',
        checksum: {
          kind: 'published',
          algorithm: 'sha1',
          source:
            'the version JSON linked from the manifest (itself checked against the manifest entry sha1)',
          how: 'downloads.server.sha1 of that version JSON, compared with the downloaded jar',
        },
      },
    ],
    runtime: {
      name: 'Java 21',
      debianPackage: 'temurin-21-jre',
      aptSource: 'https://packages.adoptium.net/artifactory/deb bookworm main (Debian 12 ships no Java 21)',
    },
  },
  playbook: 'playbooks/minecraft-java.yml',
  licences: [{ licence: 'minecraft-eula', ansibleVar: 'minecraft_java_accept_eula' }],
  settings: [
    {
      key: 'software',
      label: 'Server software',
      description: 'Paper runs plugins and performs better; vanilla is Mojang’s own jar.',
      type: 'enum',
      default: 'paper',
      options: ['paper', 'vanilla'],
    },
    serverName('A GuildServer Minecraft server', 59),
    maxPlayers(20, 1, 100),
    {
      key: 'difficulty',
      label: 'Difficulty',
      type: 'enum',
      default: 'easy',
      options: ['peaceful', 'easy', 'normal', 'hard'],
    },
    {
      key: 'gameMode',
      label: 'Game mode',
      type: 'enum',
      default: 'survival',
      options: ['survival', 'creative', 'adventure', 'spectator'],
    },
    { key: 'pvp', label: 'Players can hurt each other', type: 'boolean', default: true },
    { key: 'whitelist', label: 'Only whitelisted players may join', type: 'boolean', default: false },
    worldSeed(64),
  ],
  // Minecraft holds writes between save-off and save-on; save-all flush waits until the world is on disk.
  backup: {
    hold: {
      kind: 'rcon',
      password: 'server-secret',
      before: ['save-off', 'save-all flush'],
      after: ['save-on'],
      say: 'say {message}',
    },
    worldDir: '/srv/guildserver/minecraft-java',
  },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'minecraft',
    port: 25565,
    transport: 'tcp',
    notes: 'The server list ping on the game port; answers as soon as the world has loaded.',
    // The first start generates the spawn area (Paper: 1 to 3 min on 2 cores).
    readyWithinSeconds: 300,
  },
});
