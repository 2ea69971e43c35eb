import { defineGame, joinPassword, maxPlayers, port, serverName } from './parts';

// Sources: Debian 12 package openarena-server 0.8.8 (apt-cache: runs on ioquake3-server);
// pelican-eggs/games-standalone openarena (single port 27960, default map aggressor); gamedig lib/games.js
// `openarena` (quake3 protocol, port 27960 — the game port answers getstatus).
export const openarena = defineGame({
  id: 'openarena',
  name: 'OpenArena',
  ports: [port('game', 'udp', 27960, 'players connect here; also answers getstatus')],
  resources: {
    default: { cores: 1, memory: 1024, disk: 8 },
    minimum: { cores: 1, memory: 512, disk: 6 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'debian-package', packages: ['openarena-server'] },
  playbook: 'playbooks/openarena.yml',
  licences: [],
  settings: [
    serverName('A GuildServer OpenArena server', 64),
    maxPlayers(12, 2, 64),
    joinPassword(0, 64),
    {
      key: 'gameType',
      label: 'Game type',
      type: 'enum',
      default: 'free-for-all',
      options: ['free-for-all', 'tournament', 'team-deathmatch', 'capture-the-flag'],
    },
    {
      key: 'map',
      label: 'Map',
      type: 'string',
      default: 'aggressor',
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9_-]+$',
    },
    { key: 'fragLimit', label: 'Frag limit (0 for none)', type: 'integer', default: 20, min: 0, max: 999 },
    {
      key: 'timeLimit',
      label: 'Time limit in minutes (0 for none)',
      type: 'integer',
      default: 15,
      min: 0,
      max: 120,
    },
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/openarena' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'openarena',
    port: 27960,
    transport: 'udp',
    notes: 'Quake 3 getstatus on the game port; lists players with scores and pings.',
    // Debian package: loads a map in seconds.
    readyWithinSeconds: 60,
  },
});
