import { defineGame, joinPassword, port, serverName, worldSeed } from './parts';

// Sources: Debian 12 package openttd 13.0 (apt-cache: recommends openttd-opengfx, the free base graphics a
// dedicated server still needs); pelican-eggs/games-standalone openttd (game 3979, admin 3977, `openttd -D`,
// openttd.cfg max_clients 25, max_companies 15); gamedig lib/games.js `openttd` (port 3979, queried over TCP).
// The admin port stays closed: nothing of ours speaks the admin protocol.
export const openttd = defineGame({
  id: 'openttd',
  name: 'OpenTTD',
  ports: [port('game', 'both', 3979, 'players connect over TCP; UDP for LAN discovery')],
  resources: {
    default: { cores: 1, memory: 1024, disk: 8 },
    minimum: { cores: 1, memory: 512, disk: 6 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'debian-package', packages: ['openttd', 'openttd-opengfx'] },
  playbook: 'playbooks/openttd.yml',
  licences: [],
  settings: [
    serverName('A GuildServer OpenTTD server', 80),
    {
      key: 'maxPlayers',
      label: 'Max players',
      description: 'OpenTTD calls them clients; spectators count too.',
      type: 'integer',
      default: 25,
      min: 2,
      max: 255,
    },
    { key: 'maxCompanies', label: 'Max companies', type: 'integer', default: 15, min: 1, max: 15 },
    joinPassword(0, 64),
    {
      key: 'mapSize',
      label: 'Map size',
      type: 'enum',
      default: '256x256',
      options: ['128x128', '256x256', '512x512', '1024x1024', '2048x2048'],
    },
    worldSeed(10, '^[0-9]*$'),
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/openttd' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'openttd',
    port: 3979,
    transport: 'tcp',
    notes: 'Game-info request on the game port; reports clients and companies.',
    // Debian package: generates the map at start, well under a minute on the default size.
    readyWithinSeconds: 120,
  },
});
