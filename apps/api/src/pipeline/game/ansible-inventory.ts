// Every live server as an Ansible dynamic inventory (what `ansible/inventories/guildserver.py --list` prints):
// hosts are server ids, each with exactly the variables the worker passes to its playbook (plus `ansible_host`
// once the VM has an address), so a run by hand changes nothing the worker's run did not.
import { getGame } from '@guildserver/games';
import { isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { servers } from '../../db/schema.js';
import { inventoryGroup, type PlaybookVarsOptions, playbookHosts, playbookVars } from './playbook-vars.js';
import { setupSubject } from './setup-subject.js';

export interface AnsibleInventory {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts: string[] } | { hostvars: Record<string, Record<string, unknown>> };
}

export function ansibleInventory(db: Db, options: PlaybookVarsOptions): AnsibleInventory {
  const groups = new Map<string, string[]>([['guildserver', []]]);
  const hostvars: Record<string, Record<string, unknown>> = {};
  const rows = db.select().from(servers).where(isNull(servers.deletedAt)).orderBy(sql`rowid`).all();
  for (const row of rows) {
    const game = getGame(row.game);
    if (!game) continue; // a game no longer in the catalog has no playbook to run
    const host = row.id;
    for (const group of [
      'guildserver',
      playbookHosts(game),
      inventoryGroup('guild', row.guildId),
      inventoryGroup('state', row.state),
      // Names are unique in a guild only: `name_x:&guild_<id>` picks one when two guilds chose the same.
      inventoryGroup('name', row.name),
    ]) {
      const members = groups.get(group) ?? [];
      members.push(host);
      groups.set(group, members);
    }
    hostvars[host] = {
      ...playbookVars(setupSubject(db, row, game), options),
      ...(row.ipv4 ? { ansible_host: row.ipv4 } : {}),
    };
  }
  return {
    ...Object.fromEntries([...groups].map(([group, hosts]) => [group, { hosts }])),
    _meta: { hostvars },
  };
}
