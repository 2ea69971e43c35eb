import { defineGame, maxPlayers, port, serverName, worldSeed } from './parts';

// Sources: LinuxGSM lgsm/modules/info_messages.sh (fn_info_messages_mcb: game 19132/udp, IPv6 19133/udp6) and
// the bedrock server.properties defaults (server-port 19132, max-players 10); gamedig lib/games.js `mbe`
// (port 19132); pelican-eggs/minecraft bedrock/bedrock/egg-vanilla-bedrock.json (download links from
// net-secondary.web.minecraft-services.net). Mojang publishes no checksum for the Bedrock server zip.
// The IPv6 port (19133) stays inside the VM: GuildServer hands out IPv4 ports only.
export const minecraftBedrock = defineGame({
  id: 'minecraft-bedrock',
  name: 'Minecraft: Bedrock Edition',
  ports: [port('game', 'udp', 19132, 'players connect here (RakNet); also answers the unconnected ping')],
  resources: {
    default: { cores: 2, memory: 2048, disk: 10 },
    minimum: { cores: 1, memory: 1024, disk: 8 },
  },
  cpu: 'x86-64-v2-AES',
  install: {
    kind: 'vendor-download',
    downloads: [
      {
        variant: 'bedrock',
        versionSource:
          'https://net-secondary.web.minecraft-services.net/api/v1.0/download/links (the serverBedrockLinux entry)',
        urlPattern: 'https://www.minecraft.net/bedrockdedicatedserver/bin-linux/bedrock-server-<version>.zip',
        checksum: {
          kind: 'unpublished',
          how: 'Mojang publishes no checksum: download only over HTTPS from www.minecraft.net (certificate checked) and record the SHA-256 of what was installed in the server’s facts',
        },
      },
    ],
  },
  playbook: 'playbooks/minecraft-bedrock.yml',
  licences: [{ licence: 'minecraft-eula', ansibleVar: 'minecraft_bedrock_accept_eula' }],
  settings: [
    serverName('A GuildServer Bedrock server', 64),
    maxPlayers(10, 1, 40),
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
      options: ['survival', 'creative', 'adventure'],
    },
    { key: 'allowCheats', label: 'Allow cheats', type: 'boolean', default: false },
    { key: 'allowList', label: 'Only allow-listed players may join', type: 'boolean', default: false },
    worldSeed(64),
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/minecraft-bedrock' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'mbe',
    port: 19132,
    transport: 'udp',
    notes: 'RakNet unconnected ping on the game port; reports players and the maximum.',
    // The first start generates the spawn area.
    readyWithinSeconds: 300,
  },
});
