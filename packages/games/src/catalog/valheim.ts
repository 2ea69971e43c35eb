import { defineGame, joinPassword, port, serverName } from './parts';

// Sources: LinuxGSM lgsm/config-default/config-lgsm/vhserver/_default.cfg (appid 896660, port 2456, -public
// flag) and info_game.sh (query port = port + 1, "only enabled if public server"); pelican-eggs/games-steamcmd
// valheim/valheim_vanilla/README.md (game 2456, query 2457); gamedig lib/games.js `valheim` (port 2456, query
// offset +1, valve protocol) and GAMES_LIST.md (answers only with -public 1; crossplay servers report 0 players).
// Valheim refuses a password shorter than 5 characters; the default world is called "Dedicated".
export const valheim = defineGame({
  id: 'valheim',
  name: 'Valheim',
  ports: [
    port('game', 'udp', 2456, 'players connect here'),
    port('query', 'udp', 2457, 'Steam query (A2S), always the game port + 1', { consecutive: true }),
  ],
  resources: {
    default: { cores: 4, memory: 8192, disk: 30 },
    minimum: { cores: 2, memory: 4096, disk: 20 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'steamcmd', appId: 896660 },
  playbook: 'playbooks/valheim.yml',
  licences: [{ licence: 'steam', ansibleVar: 'steamcmd_accept_license' }],
  settings: [
    serverName('A GuildServer Valheim server', 64),
    {
      key: 'worldName',
      label: 'World name',
      type: 'string',
      default: 'Dedicated',
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9_-]+$',
    },
    joinPassword(5, 64, true),
    {
      key: 'public',
      label: 'List in the community server browser',
      description: 'Also needed for the status query: Valheim answers queries only when public.',
      type: 'boolean',
      default: true,
    },
    {
      key: 'crossplay',
      label: 'Crossplay (Xbox / Game Pass players)',
      description: 'With crossplay on, the status query always reports 0 players.',
      type: 'boolean',
      default: false,
    },
    {
      key: 'preset',
      label: 'World preset',
      type: 'enum',
      default: 'normal',
      options: ['normal', 'casual', 'easy', 'hard', 'hardcore', 'immersive', 'hammer'],
    },
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/valheim' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'valheim',
    port: 2457,
    transport: 'udp',
    notes:
      'Steam A2S on the game port + 1; answers only when the server runs with -public 1, and reports 0 players under crossplay.',
    // SteamCMD game: generating a world takes several minutes on a first start.
    readyWithinSeconds: 600,
  },
});
