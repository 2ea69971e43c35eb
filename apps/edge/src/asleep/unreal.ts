// The first datagram an Unreal Engine client sends to a game server's port (Satisfactory, ARK: Survival Evolved).
// Unreal writes packets as bit streams, least significant bit of each byte first, and ends every packet with a
// 1 bit (so its last byte is never zero).

function bitAt(packet: Buffer, index: number): number {
  return ((packet[index >> 3] ?? 0) >> (index & 7)) & 1;
}

function bitsAt(packet: Buffer, index: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value |= bitAt(packet, index + i) << i;
  return value >>> 0;
}

function zeroBits(packet: Buffer, index: number, count: number): boolean {
  if (index + count > packet.length * 8) return false;
  for (let i = 0; i < count; i++) if (bitAt(packet, index + i) !== 0) return false;
  return true;
}

/**
 * Layouts of the stateless handshake's InitialPacket (Engine/Source/Runtime/Engine/Private/PacketHandlers/
 * StatelessConnectHandlerComponent.cpp, UE 4.14 to 5.x; the net.MagicHeader prefix is empty by default):
 *   [2 SessionID + 3 ClientID, from version 3][HandshakeBit=1][RestartBit=0]
 *   [from version 1: u8 MinVersion, u8 CurVersion, u8 PacketType=0 (InitialPacket), u8 SentCount]
 *   [from version 2: u32 NetworkVersion, u16 NetworkFeatures][SecretIdBit=0][28 zero bytes: PacketSizeFiller]
 *   [align, random bytes, termination bit]
 * The 224 zero bits of filler after a well-formed header make it unmistakable: random bytes never have them.
 */
const HANDSHAKE_LAYOUTS = [
  { prefixBits: 0, versions: undefined },
  { prefixBits: 0, versions: { min: 1, max: 2 } },
  { prefixBits: 5, versions: { min: 3, max: 15 } },
] as const;
const PACKET_SIZE_FILLER_BITS = 28 * 8;
const INITIAL_PACKET_TYPE = 0;

export function isUnrealHandshakeInitialPacket(packet: Buffer): boolean {
  if (packet.length < 29 || packet.length > 128) return false;
  return HANDSHAKE_LAYOUTS.some(({ prefixBits, versions }) => {
    let at = prefixBits;
    if (bitAt(packet, at) !== 1 || bitAt(packet, at + 1) !== 0) return false;
    at += 2;
    if (versions !== undefined) {
      const min = bitsAt(packet, at, 8);
      const current = bitsAt(packet, at + 8, 8);
      const type = bitsAt(packet, at + 16, 8);
      if (current < versions.min || current > versions.max || min > current || type !== INITIAL_PACKET_TYPE) {
        return false;
      }
      at += 32;
      if (current >= 2) at += 48;
    }
    return bitAt(packet, at) === 0 && zeroBits(packet, at + 1, PACKET_SIZE_FILLER_BITS);
  });
}

/**
 * Before the stateless handshake (UE 4.13 and older, which ARK: Survival Evolved's engine fork predates), a
 * client's first packet opens the control channel to say NMT_Hello. NetConnection.cpp ReceivedPacket reads:
 * PacketId (SerializeInt of MAX_PACKETID 16384: 14 bits), then per bunch IsAck=0, bControl=1, bOpen=1,
 * bClose=0, [bIsReplicationPaused=0, in later 4.x], bReliable=1, ChIndex (SerializeInt of MAX_CHANNELS 10240:
 * 14 bits) = 0, the control channel. That is 19 or 20 fixed bits: about one random datagram in half a million
 * matches.
 */
const PACKET_ID_BITS = 14;
const CHANNEL_INDEX_BITS = 14;
const CONTROL_OPEN_RELIABLE = [
  [0, 1, 1, 0, 1],
  [0, 1, 1, 0, 0, 1],
] as const;

export function isUnrealLegacyControlOpen(packet: Buffer): boolean {
  if (packet.length < 8 || packet.length > 1024 || packet[packet.length - 1] === 0) return false;
  return CONTROL_OPEN_RELIABLE.some((bits) => {
    const start = PACKET_ID_BITS;
    if (!bits.every((bit, i) => bitAt(packet, start + i) === bit)) return false;
    return zeroBits(packet, start + bits.length, CHANNEL_INDEX_BITS);
  });
}
