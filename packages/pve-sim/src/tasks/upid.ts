const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/** `UPID:<node>:<pid hex8>:<pstart hex8>:<starttime hex8>:<type>:<id>:<user>:` exactly as PVE writes it. */
export function formatUpid(parts: {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}): string {
  return `UPID:${parts.node}:${hex8(parts.pid)}:${hex8(parts.pstart)}:${hex8(parts.starttime)}:${parts.type}:${parts.id}:${parts.user}:`;
}

export function nodeOfUpid(upid: string): string | undefined {
  const match = /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):/.exec(upid);
  return match?.[1];
}
