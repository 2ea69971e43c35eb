import { defineGame, joinPassword, maxPlayers, port, serverName, worldSeed } from './parts';

// Sources: Debian 12 package minetest-server 5.6.1 (apt-cache); pelican-eggs/games-standalone minetest
// (SERVER_MAX_USERS 15, `minetest --server --port`); gamedig lib/games.js `minetest` (port 30000) — but its
// protocol reads servers.minetest.net's public list, so an unannounced server is probed directly: Luanti's UDP
// transport (src/network in luanti-org/luanti) answers a reliable "original" packet from peer 0 with an ACK and
// a SET_PEER_ID control packet. Luanti has no player-count query of its own.
export const luanti = defineGame({
  id: 'luanti',
  name: 'Luanti (Minetest)',
  ports: [port('game', 'udp', 30000, 'players connect here')],
  resources: {
    default: { cores: 2, memory: 2048, disk: 10 },
    minimum: { cores: 1, memory: 1024, disk: 8 },
  },
  cpu: 'x86-64-v2-AES',
  install: { kind: 'debian-package', packages: ['minetest-server'] },
  playbook: 'playbooks/luanti.yml',
  licences: [],
  settings: [
    serverName('A GuildServer Luanti server', 64),
    maxPlayers(15, 1, 100),
    joinPassword(0, 64),
    { key: 'creativeMode', label: 'Creative mode', type: 'boolean', default: false },
    { key: 'enableDamage', label: 'Players take damage', type: 'boolean', default: true },
    worldSeed(20, '^-?[0-9]*$'),
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/luanti' },
  sleep: 'hibernate',
  query: {
    kind: 'probe',
    protocol: 'luanti-hello',
    port: 30000,
    transport: 'udp',
    // protocol id 4f457403, sender peer 0000, channel 00, TYPE_RELIABLE 03, seqnum ffdc (65500), TYPE_ORIGINAL 01
    requestHex: '4f45740300000003ffdc01',
    upWhen:
      'any datagram starting 4f457403 comes back within 2 s; then send 4f457403 <assigned peer id> 00 00 03 (disconnect) so the server drops the peer',
    players: 'unavailable',
    // Debian package: the world is generated around players as they move, so the server answers within seconds.
    readyWithinSeconds: 90,
  },
});
