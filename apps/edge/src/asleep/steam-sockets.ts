// Steam Networking Sockets over direct UDP (Valve's GameNetworkingSockets, the same protocol as Steamworks'
// ISteamNetworkingSockets): what Valheim's client sends to the game port when it joins by address.
// src/steamnetworkingsockets/clientlib/steamnetworkingsockets_udp.{h,cpp} and steamnetworkingsockets_messages_udp
// .proto: the client's first datagram is a ChallengeRequest, `u8 32, u16 LE message length, protobuf
// CMsgSteamSockets_UDP_ChallengeRequest { fixed32 connection_id = 1; fixed64 my_timestamp = 3; uint32
// protocol_version = 4 }`, zero-padded to at least 512 bytes (k_cbSteamNetworkingMinPaddedPacketSize) so a
// spoofed request cannot be amplified.

const CHALLENGE_REQUEST = 32;
const MIN_PADDED_PACKET = 512;
/** The largest datagram GameNetworkingSockets sends (k_cbSteamNetworkingSocketsMaxUDPMsgLen is about 1300). */
const MAX_PACKET = 1500;
/** Protobuf key of field 1 (connection_id) with wire type 5 (fixed32): (1 << 3) | 5. */
const CONNECTION_ID_KEY = 0x0d;
const MAX_MESSAGE = 64;

export function isSteamSocketsChallengeRequest(packet: Buffer): boolean {
  if (packet.length < MIN_PADDED_PACKET || packet.length > MAX_PACKET) return false;
  if (packet[0] !== CHALLENGE_REQUEST) return false;
  const messageLength = packet.readUInt16LE(1);
  if (messageLength < 5 || messageLength > MAX_MESSAGE) return false;
  if (packet[3] !== CONNECTION_ID_KEY) return false;
  // The padding is zeros: the sender clears the whole buffer before writing the message.
  return packet.subarray(3 + messageLength).every((byte) => byte === 0);
}
