/** A task id string as PVE returns it (see `parseUpid`). */
export type Upid = string;

/** A parsed task id: `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` (numbers in hex). */
export interface ParsedUpid {
  raw: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  /** e.g. `qmclone`, `qmstart`, `vzdump`. */
  type: string;
  /** Usually the VM id; may be empty. */
  id: string;
  user: string;
}

// PVE's own pattern (PVE::Tools::upid_decode).
const UPID =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(raw: string): ParsedUpid {
  const m = UPID.exec(raw);
  if (!m) throw new TypeError(`not a Proxmox task id (UPID): ${JSON.stringify(raw.slice(0, 120))}`);
  return {
    raw,
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}

export function isUpid(value: unknown): value is Upid {
  return typeof value === 'string' && UPID.test(value);
}
