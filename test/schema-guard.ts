// Every request GuildServer's own client sends in any test is checked against the PVE 8.4 and 9.1 schemas
// by the simulator; one violation anywhere fails the file that caused it.
import { USER_AGENT } from '@guildserver/proxmox';
import { schemaViolationsInProcess } from '@guildserver/pve-sim';
import { afterAll, expect } from 'vitest';

afterAll(() => {
  const fromOurClient = schemaViolationsInProcess().filter((v) => v.userAgent === USER_AGENT);
  expect(fromOurClient, 'requests from @guildserver/proxmox that PVE 8.4 or 9.1 would reject').toEqual([]);
});
