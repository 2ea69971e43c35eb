// EDGE_SNAT=auto from what `ip -j route get` prints: masquerade exactly the VMs whose replies would not come
// back through the edge.
import { describe, expect, it } from 'vitest';
import { decideSnat, parseDefaultDevs, parseRouteBatch, type RouteView } from '../src/snat.js';

// `printf 'route get …\n' | ip -force -j -batch -` on a Proxmox host with vmbr0 (LAN, default route) and
// vmbr1 (the VMs' own network, the host is their gateway); one address has no route (stderr, no line).
const BATCH = [
  '[{"dst":"10.77.0.2","dev":"vmbr1","prefsrc":"10.77.0.1","flags":[],"uid":0,"cache":[]}]',
  '[{"dst":"192.168.1.50","dev":"vmbr0","prefsrc":"192.168.1.10","flags":[],"uid":0,"cache":[]}]',
  '[{"dst":"10.99.0.5","gateway":"192.168.1.1","dev":"vmbr0","prefsrc":"192.168.1.10","flags":[],"uid":0,"cache":[]}]',
  '[{"type":"local","dst":"192.168.1.10","dev":"lo","prefsrc":"192.168.1.10","flags":[],"uid":0,"cache":["local"]}]',
  '',
].join('\n');
const DEFAULT = '[{"dst":"default","gateway":"192.168.1.1","dev":"vmbr0","flags":[]}]';

describe('source NAT per VM (EDGE_SNAT=auto)', () => {
  const view: RouteView = { routes: parseRouteBatch(BATCH), defaultDevs: parseDefaultDevs(DEFAULT) };

  it('reads every route of a batch, and the default route’s interface', () => {
    expect([...view.routes.keys()]).toEqual(['10.77.0.2', '192.168.1.50', '10.99.0.5', '192.168.1.10']);
    expect(view.defaultDevs).toEqual(['vmbr0']);
    expect(parseDefaultDevs('')).toEqual([]);
    expect(
      parseDefaultDevs(
        '[{"dst":"default","flags":[],"nexthops":[{"gateway":"192.0.2.1","dev":"eth0"},{"gateway":"198.51.100.1","dev":"eth1"}]}]',
      ),
    ).toEqual(['eth0', 'eth1']);
  });

  it('the VM network hangs off the edge on an interface of its own: no source NAT', () => {
    expect(decideSnat('10.77.0.2', view)).toEqual({
      snat: false,
      why: "10.77.0.2 hangs off the edge on vmbr1 of its own: the edge is its gateway, and the game sees the player's address",
    });
  });

  it('the VM shares the edge’s router (same interface as the default route): source NAT', () => {
    expect(decideSnat('192.168.1.50', view)).toMatchObject({ snat: true });
    expect(decideSnat('192.168.1.50', view).why).toContain("the network of the edge's own default route");
  });

  it('the edge reaches the VM through a gateway: source NAT', () => {
    expect(decideSnat('10.99.0.5', view)).toMatchObject({ snat: true });
    expect(decideSnat('10.99.0.5', view).why).toContain('through the gateway 192.168.1.1');
  });

  it('no route at all: source NAT (harmless), and an address of the edge itself: none', () => {
    expect(decideSnat('172.16.0.9', view)).toMatchObject({ snat: true });
    expect(decideSnat('192.168.1.10', view)).toMatchObject({ snat: false });
  });

  it('without a default route, a directly connected VM needs none', () => {
    const isolated = { routes: view.routes, defaultDevs: [] };
    expect(decideSnat('192.168.1.50', isolated)).toMatchObject({ snat: false });
  });
});
