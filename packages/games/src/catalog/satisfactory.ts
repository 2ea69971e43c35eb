import { defineGame, maxPlayers, port } from './parts';

// Sources: pelican-eggs/games-steamcmd satisfactory/README.md (since 1.0: 7777 UDP and TCP — game traffic and
// the HTTPS API; since 1.1: 8888/tcp reliable messaging; "set the VM's CPU Type to host to avoid session
// save/load crashes" on Proxmox; RAM 4608 MiB minimum, 8192–12288 recommended); LinuxGSM
// lgsm/config-default/config-lgsm/sfserver/_default.cfg (appid 1690800, reliableport 8888 — its 15777 query and
// 15000 beacon ports predate 1.0 and are no longer used); gamedig lib/games.js `satisfactory` (port 7777,
// lightweight UDP query then the HTTPS API). The server's name and admin password are set when a player
// claims it in-game, so they are not settings here.
export const satisfactory = defineGame({
  id: 'satisfactory',
  name: 'Satisfactory',
  ports: [
    port('game', 'both', 7777, 'players connect here (UDP); HTTPS API and server manager (TCP)'),
    port('game', 'tcp', 8888, 'reliable messaging (1.1 and later)'),
  ],
  resources: {
    default: { cores: 4, memory: 12288, disk: 25 },
    minimum: { cores: 2, memory: 6144, disk: 15 },
  },
  cpu: 'host',
  install: { kind: 'steamcmd', appId: 1690800 },
  playbook: 'playbooks/satisfactory.yml',
  licences: [{ licence: 'steam', ansibleVar: 'steamcmd_accept_license' }],
  settings: [
    maxPlayers(4, 1, 16, 'The game is balanced for 4; more is allowed but untested by the developers.'),
    { key: 'autoPause', label: 'Pause when nobody is on', type: 'boolean', default: true },
    { key: 'autosaveOnDisconnect', label: 'Save when a player leaves', type: 'boolean', default: true },
  ],
  backup: { hold: { kind: 'stop-service' }, worldDir: '/srv/guildserver/satisfactory' },
  sleep: 'hibernate',
  query: {
    kind: 'gamedig',
    type: 'satisfactory',
    port: 7777,
    transport: 'udp',
    notes:
      'Lightweight query on 7777/udp tells up and state; players come from the HTTPS API on 7777/tcp (self-signed certificate).',
    // SteamCMD game: the first start builds its save and its certificate.
    readyWithinSeconds: 600,
  },
});
