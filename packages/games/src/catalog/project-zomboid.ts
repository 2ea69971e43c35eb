import { adminPassword, defineGame, joinPassword, maxPlayers, port, serverName } from './parts';

// Sources: LinuxGSM lgsm/config-default/config-lgsm/pzserver/_default.cfg (appid 380870) and info_game.sh
// (port from servertest.ini DefaultPort, query on the same port); pelican-eggs/games-steamcmd project_zomboid
// README (DefaultPort 16261 for Steam, UDPPort 16262 for RakNet); gamedig lib/games.js `projectzomboid`
// (valve protocol on 16261). RCONPort 27015 and MaxPlayers 32 are servertest.ini's defaults.
export const projectZomboid = defineGame({
  id: 'project-zomboid',
  name: 'Project Zomboid',
  ports: [
    port('game', 'udp', 16261, 'players connect here; Steam query (A2S) on the same port'),
    port('game', 'udp', 16262, 'RakNet direct connection (UDPPort)'),
    port('rcon', 'tcp', 27015, 'RCON, for saving and quitting cleanly'),
  ],
  resources: {
    default: { cores: 4, memory: 8192, disk: 20 },
    minimum: { cores: 2, memory: 4096, disk: 12 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'steamcmd', appId: 380870 },
  playbook: 'playbooks/project-zomboid.yml',
  licences: [{ licence: 'steam', ansibleVar: 'steamcmd_accept_license' }],
  settings: [
    serverName('A GuildServer Project Zomboid server', 64),
    maxPlayers(32, 1, 100),
    joinPassword(0, 64),
    adminPassword(8, 64),
    { key: 'pvp', label: 'Players can hurt each other', type: 'boolean', default: true },
    { key: 'public', label: 'List in the public server browser', type: 'boolean', default: false },
    { key: 'pauseEmpty', label: 'Pause the world when nobody is on', type: 'boolean', default: true },
  ],
  backup: {
    hold: {
      kind: 'rcon',
      password: 'server-secret',
      before: ['save'],
      after: [],
      say: 'servermsg "{message}"',
    },
    worldDir: '/srv/guildserver/project-zomboid',
  },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'projectzomboid',
    port: 16261,
    transport: 'udp',
    notes: 'Steam A2S on the game port; needs the server started with Steam enabled (the default).',
    // SteamCMD game: the first start creates the world and Steam registration.
    readyWithinSeconds: 600,
  },
});
