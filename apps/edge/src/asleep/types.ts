// The shape every "asleep" responder shares: while a server sleeps, the edge holds its published ports in
// userspace, answers each game's status query itself and tells a real join attempt (which wakes the server)
// from status queries, scans and garbage (which never do).

/** What a sleeping server's responder says about it. */
export interface AsleepInfo {
  /** The server's name as gamers know it, e.g. "survival". */
  serverName: string;
  /** One line for the status/MOTD, e.g. "survival is asleep — join to wake it (ready in about 35 s)". */
  status: string;
  /** The game's player limit, shown as 0 of max. */
  maxPlayers: number;
  /**
   * The game's own version as it last reported it (the forwarding table's `version`), shown where the protocol
   * carries one; optional. OpenTTD lists a server as joinable only when this is the client's exact revision
   * (e.g. "13.0"), so it must be the server's revision there.
   */
  version?: string;
  /** A sentence for a joining player where the protocol lets the server say something (Minecraft's disconnect). */
  joinMessage: string;
  /**
   * The server's published game port, for replies that advertise it (A2S's extra data, Bedrock's MOTD, TShock's
   * status). Leave it out where unknown: the replies then carry no port (A2S) or the game's default.
   */
  gamePort?: number;
}

/** Where a datagram came from: challenges and Luanti peer ids are derived from it, so nothing is stored. */
export interface Peer {
  address: string;
  port: number;
}

export type Verdict =
  /** A status query: answer it, do not wake. `close`: end the TCP connection after the replies (the game does). */
  | { kind: 'status'; replies: Buffer[]; close?: boolean }
  /** A real join attempt: wake; replies optional (e.g. Minecraft disconnect), close the TCP connection after. */
  | { kind: 'join'; replies: Buffer[]; close?: boolean }
  /** Garbage, scans, unknown: stay silent (TCP: the host drops the connection without a word). */
  | { kind: 'ignore' }
  /** TCP only: not enough bytes yet. */
  | { kind: 'more' };

export interface UdpResponder {
  readonly transport: 'udp';
  /**
   * One datagram. `from` is the sender: pass it, or challenges (A2S) and Luanti's peer ids fall back to one
   * value for every sender, which lets a spoofer obtain a challenge for someone else's address.
   */
  onDatagram(packet: Buffer, info: AsleepInfo, from?: Peer): Verdict;
}

/**
 * TCP: called with everything received so far on one connection that no earlier verdict answered: after a
 * 'status' or 'join' the host forgets the bytes it passed, so a request that follows (Minecraft's ping after
 * its status request) arrives on its own. Return 'more' to wait for more bytes.
 */
export interface TcpResponder {
  readonly transport: 'tcp';
  onData(received: Buffer, info: AsleepInfo): Verdict;
}

export type AsleepResponder = UdpResponder | TcpResponder;

export const IGNORE: Verdict = { kind: 'ignore' };
export const MORE: Verdict = { kind: 'more' };
