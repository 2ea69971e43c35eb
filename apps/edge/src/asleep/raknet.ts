// RakNet's offline messages (RakNet's MessageIdentifiers.h and RakPeer.cpp; wiki.vg "Raknet Protocol"): what
// Minecraft: Bedrock Edition and Project Zomboid put before a connection exists.

/** The "offline message" magic every unconnected RakNet packet carries. */
export const OFFLINE_MAGIC = Buffer.from('00ffff00fefefefefdfdfdfd12345678', 'hex');

export const ID_UNCONNECTED_PING = 0x01;
export const ID_UNCONNECTED_PING_OPEN_CONNECTIONS = 0x02;
export const ID_OPEN_CONNECTION_REQUEST_1 = 0x05;
export const ID_UNCONNECTED_PONG = 0x1c;

export function hasOfflineMagic(packet: Buffer, at: number): boolean {
  return packet.length >= at + OFFLINE_MAGIC.length && OFFLINE_MAGIC.equals(packet.subarray(at, at + 16));
}

/**
 * Open Connection Request 1: the first packet of a client's connection, `05 <magic> <protocol u8>` padded with
 * zeros to the MTU the client probes (it sends several, from 1492 bytes down). Only a client that means to
 * connect sends it; a server list pings instead.
 */
export function isOpenConnectionRequest1(packet: Buffer): boolean {
  return packet.length >= 18 && packet[0] === ID_OPEN_CONNECTION_REQUEST_1 && hasOfflineMagic(packet, 1);
}
