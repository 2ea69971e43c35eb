// Indexed parameters: the schema files write `net[n]`, the API takes `net0` … `net31`.

import type { Endpoint, PropertySchema } from './types.js';

type Family = 'qemu' | 'lxc' | 'any';

// Highest index per base name, from the MAX_* constants of qemu-server, pve-container and pve-manager.
const QEMU: Record<string, number> = {
  net: 31,
  ipconfig: 31,
  ide: 3,
  sata: 5,
  scsi: 30,
  virtio: 15,
  unused: 255,
  hostpci: 15,
  usb: 13,
  serial: 3,
  parallel: 2,
  numa: 7,
  virtiofs: 9,
};
const LXC: Record<string, number> = { net: 31, mp: 255, unused: 255, dev: 255 };
const OTHER: Record<string, number> = {
  link: 7,
  // pve-manager loops `0 .. $MAXDOMAINS` with MAXDOMAINS = 5, so six entries.
  acmedomain: 5,
};

/** Highest allowed index of `base[n]` for the given family of endpoints, if known. */
export function indexRange(family: Family, base: string): number | undefined {
  const table = family === 'qemu' ? QEMU : family === 'lxc' ? LXC : OTHER;
  return own(table, base) ?? own(OTHER, base) ?? own(QEMU, base) ?? own(LXC, base);
}

function own(table: Record<string, number>, key: string): number | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function familyOf(path: string): Family {
  if (path.includes('/qemu')) return 'qemu';
  if (path.includes('/lxc')) return 'lxc';
  return 'any';
}

const expanded = new WeakMap<Endpoint, Record<string, PropertySchema>>();

/** The endpoint's properties with every `x[n]` replaced by x0 … xN. */
export function expandedProperties(endpoint: Endpoint): Record<string, PropertySchema> {
  let props = expanded.get(endpoint);
  if (props) return props;
  props = {};
  const family = familyOf(endpoint.path);
  for (const [name, schema] of Object.entries(endpoint.parameters.properties ?? {})) {
    const m = /^(.+)\[n\]$/.exec(name);
    if (!m) {
      props[name] = schema;
      continue;
    }
    const max = indexRange(family, m[1]!) ?? 0;
    for (let i = 0; i <= max; i++) props[`${m[1]}${i}`] = schema;
  }
  expanded.set(endpoint, props);
  return props;
}

/** The schema of one parameter, resolving indexed names (`net3` → `net[n]`); undefined if not defined. */
export function findParamSchema(endpoint: Endpoint, name: string): PropertySchema | undefined {
  const props = expandedProperties(endpoint);
  return Object.hasOwn(props, name) ? props[name] : undefined;
}
