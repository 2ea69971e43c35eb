import { adminPassword, defineGame, joinPassword, maxPlayers, port, serverName } from './parts';

// Sources: LinuxGSM lgsm/config-default/config-lgsm/arkserver/_default.cfg (appid 376030, port 7777, queryport
// 27015) and info_game.sh / info_messages.sh (raw UDP socket = port + 1, RCON tcp); pelican-eggs/games-steamcmd
// ark_survival_evolved/README.md (7777 game, 7778 raw UDP, 27015 query, 27020 RCON; ~4 GiB with no players,
// 6 GiB recommended, DLC maps far more); gamedig lib/games.js `ase` (valve protocol, query port 27015).
// MaxPlayers 70 is the game's default.
export const ark = defineGame({
  id: 'ark',
  name: 'ARK: Survival Evolved',
  ports: [
    port('game', 'udp', 7777, 'players connect here'),
    port('game', 'udp', 7778, 'raw UDP socket, always the game port + 1', { consecutive: true }),
    port('query', 'udp', 27015, 'Steam query (A2S), used by the server browser'),
    port('rcon', 'tcp', 27020, 'RCON, for saving and stopping cleanly'),
  ],
  resources: {
    default: { cores: 4, memory: 12288, disk: 60 },
    minimum: { cores: 2, memory: 6144, disk: 40 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'steamcmd', appId: 376030 },
  playbook: 'playbooks/ark.yml',
  licences: [{ licence: 'steam', ansibleVar: 'steamcmd_accept_license' }],
  settings: [
    serverName('A GuildServer ARK server', 63),
    maxPlayers(70, 1, 127),
    joinPassword(0, 64),
    adminPassword(8, 64),
    {
      key: 'map',
      label: 'Map',
      description: 'Free maps only; DLC maps need more memory and the DLC on every player.',
      type: 'enum',
      default: 'TheIsland',
      options: ['TheIsland', 'TheCenter', 'Ragnarok', 'Valguero_P', 'CrystalIsles', 'LostIsland', 'Fjordur'],
    },
    { key: 'pve', label: 'Player versus environment only (no PvP)', type: 'boolean', default: false },
  ],
  backup: {
    hold: {
      kind: 'rcon',
      password: 'adminPassword',
      before: ['SaveWorld'],
      after: [],
      say: 'ServerChat {message}',
    },
    worldDir: '/srv/guildserver/ark',
  },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'ase',
    port: 27015,
    transport: 'udp',
    notes:
      'Steam A2S on the query port; answers only once the map has loaded, which can take several minutes.',
    // SteamCMD game: the first start loads the whole map; A2S answers only after that (often 5 to 10 min).
    readyWithinSeconds: 900,
  },
});
