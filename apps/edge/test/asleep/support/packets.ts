// What real clients send, built byte for byte from each protocol's documentation or its client's source (cited
// per packet), plus what must never wake a server: scanners' probes and random bytes. Written independently
// of the responders' own encoders.

// --- Minecraft: Java Edition (minecraft.wiki "Java Edition protocol": Handshake, Login Start) ---------------

function varInt(value: number): Buffer {
  const out: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
}

function mcFrame(id: number, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([varInt(id), ...fields]);
  return Buffer.concat([varInt(body.length), body]);
}

function mcString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([varInt(bytes.length), bytes]);
}

/** Handshake: VarInt protocol, String server address, u16 port, VarInt next state (1 status, 2 login). */
export function minecraftHandshake(protocol: number, host: string, port: number, nextState: number): Buffer {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return mcFrame(0x00, varInt(protocol), mcString(host), portBytes, varInt(nextState));
}

/** Login Start since 1.20.2 (protocol 764): String name, UUID (16 bytes). */
export function minecraftLoginStart(name: string): Buffer {
  return mcFrame(0x00, mcString(name), Buffer.from('069a79f444e94726a5befca90e38aaf5', 'hex'));
}

/** A 1.21.4 client (protocol 769) joining localhost:25565: the handshake and Login Start, as one write. */
export const MINECRAFT_JOIN = Buffer.concat([
  minecraftHandshake(769, 'localhost', 25565, 2),
  minecraftLoginStart('Notch'),
]);

// --- RakNet (wiki.vg "Raknet Protocol"; RakNet RakPeer.cpp SendConnectionRequest) ----------------------------

const RAKNET_MAGIC = Buffer.from('00ffff00fefefefefdfdfdfd12345678', 'hex');

/** Open Connection Request 1: 0x05, magic, RakNet protocol (11 for Bedrock), zero padding up to the MTU probed. */
export function openConnectionRequest1(protocol: number, mtu: number): Buffer {
  const packet = Buffer.alloc(mtu - 28); // the MTU less the IP and UDP headers
  packet[0] = 0x05;
  RAKNET_MAGIC.copy(packet, 1);
  packet[17] = protocol;
  return packet;
}

/** Unconnected Ping, as gamedig's `mbe` and the Bedrock server list send it. */
export const RAKNET_UNCONNECTED_PING = Buffer.concat([
  Buffer.from([0x01]),
  Buffer.from('0000000000003039', 'hex'),
  RAKNET_MAGIC,
  Buffer.from('0000000000000001', 'hex'),
]);

// --- Steam Networking Sockets (GameNetworkingSockets steamnetworkingsockets_udp.cpp SendEndToEndConnectRequest,
// SendPaddedMsg; steamnetworkingsockets_messages_udp.proto CMsgSteamSockets_UDP_ChallengeRequest) ------------

export function steamSocketsChallengeRequest(): Buffer {
  const message = Buffer.concat([
    Buffer.from([0x0d]), // field 1 connection_id, fixed32
    Buffer.from([0x78, 0x56, 0x34, 0x12]),
    Buffer.from([0x19]), // field 3 my_timestamp, fixed64
    Buffer.from('00e1f50500000000', 'hex'),
    Buffer.from([0x20, 0x0b]), // field 4 protocol_version, varint 11
  ]);
  const packet = Buffer.alloc(512); // k_cbSteamNetworkingMinPaddedPacketSize, zero padded
  packet[0] = 32; // k_ESteamNetworkingUDPMsg_ChallengeRequest
  packet.writeUInt16LE(message.length, 1);
  message.copy(packet, 3);
  return packet;
}

// --- Unreal Engine: bit streams, least significant bit first, ended by a 1 bit -------------------------------

class BitWriter {
  private readonly bits: number[] = [];
  write(value: number, count: number): this {
    for (let i = 0; i < count; i++) this.bits.push((value >>> i) & 1);
    return this;
  }
  alignToByte(): this {
    while (this.bits.length % 8 !== 0) this.bits.push(0);
    return this;
  }
  /** The packet with Unreal's termination bit appended. */
  finish(): Buffer {
    const all = [...this.bits, 1];
    const out = Buffer.alloc(Math.ceil(all.length / 8));
    all.forEach((bit, i) => {
      out[i >> 3] = (out[i >> 3] ?? 0) | (bit << (i & 7));
    });
    return out;
  }
}

/**
 * UE5's stateless handshake InitialPacket, handshake version 3+ (StatelessConnectHandlerComponent.cpp
 * SendInitialPacket / BeginHandshakePacket / CapHandshakePacket): SessionID (2) and ClientID (3) bits,
 * HandshakeBit 1, RestartBit 0, u8 MinVersion, u8 CurVersion, u8 PacketType 0, u8 SentCount, u32 NetworkVersion,
 * u16 NetworkFeatures, SecretIdBit 0, 28 zero bytes, alignment and 8 to 16 random bytes, termination bit.
 */
export function unrealInitialPacket(randomTail: Buffer): Buffer {
  const writer = new BitWriter()
    .write(0, 2)
    .write(1, 3)
    .write(1, 1)
    .write(0, 1)
    .write(3, 8)
    .write(4, 8)
    .write(0, 8)
    .write(1, 8)
    .write(0x2f1c9a41, 32)
    .write(0, 16)
    .write(0, 1)
    .write(0, 28 * 8)
    .alignToByte();
  for (const byte of randomTail) writer.write(byte, 8);
  return writer.finish();
}

/** The original (UE 4.14 to 4.19) InitialPacket: HandshakeBit, RestartBit, SecretIdBit, 28 zero bytes. */
export function unrealOriginalInitialPacket(): Buffer {
  return new BitWriter()
    .write(1, 1)
    .write(0, 1)
    .write(0, 1)
    .write(0, 28 * 8)
    .finish();
}

/**
 * A pre-4.14 client's first packet (the engine generation ARK: Survival Evolved runs): PacketId (14 bits),
 * IsAck 0, then the bunch opening the control channel (NetConnection.cpp ReceivedPacket, DataChannel.cpp):
 * bControl 1, bOpen 1, bClose 0, bReliable 1, ChIndex 0 (14 bits), bHasGUIDs 0, bHasMustBeMappedGUIDs 0,
 * bPartial 0, ChSequence (10 bits), ChType 1 control (3 bits), BunchDataBits (12 bits), then NMT_Hello: u8 0,
 * u8 IsLittleEndian 1, u32 network version. Derived from the engine source, not captured from ARK.
 */
export function unrealLegacyHello(packetId: number): Buffer {
  const writer = new BitWriter()
    .write(packetId, 14)
    .write(0, 1)
    .write(1, 1)
    .write(1, 1)
    .write(0, 1)
    .write(1, 1)
    .write(0, 14)
    .write(0, 3)
    .write(1, 10)
    .write(1, 3)
    .write(48, 12)
    .write(0, 8)
    .write(1, 8)
    .write(0x1b8e5ab3, 32);
  return writer.finish();
}

// --- Quake 3 (ioquake3 code/client/cl_main.c CL_CheckForResend) ---------------------------------------------

const OOB = Buffer.from([0xff, 0xff, 0xff, 0xff]);
export const quake3 = (text: string): Buffer => Buffer.concat([OOB, Buffer.from(text, 'latin1')]);
/** ioquake3's client since 1.36 svn: `getchallenge <client challenge> <gamename>`. */
export const QUAKE3_GETCHALLENGE = quake3('getchallenge 1804289383 Quake3Arena');
/** OpenArena 0.8.8's older engine: a bare `getchallenge`. */
export const QUAKE3_GETCHALLENGE_BARE = quake3('getchallenge');
/** `connect "<Huffman-compressed userinfo>"`: the text ends after the command word. */
export const QUAKE3_CONNECT = Buffer.concat([quake3('connect '), Buffer.from('22a4c8199f0e77fe03', 'hex')]);

// --- OpenTTD (src/network/network_client.cpp ClientNetworkGameSocketHandler::SendJoin) ----------------------

/** PACKET_CLIENT_JOIN (2): string revision, u32 NewGRF version, string name, u8 company, u8 0. */
export function openttdJoin(revision: string, name: string): Buffer {
  const payload = Buffer.concat([
    Buffer.from(`${revision}\0`, 'utf8'),
    Buffer.from([0x00, 0x00, 0x0e, 0x1c]), // _openttd_newgrf_version
    Buffer.from(`${name}\0`, 'utf8'),
    Buffer.from([0xff, 0x00]), // COMPANY_NEW_COMPANY, formerly the language
  ]);
  const head = Buffer.alloc(3);
  head.writeUInt16LE(3 + payload.length);
  head[2] = 2;
  return Buffer.concat([head, payload]);
}

// --- Terraria (Terraria's NetMessage: message 1 Connect Request; TShock's protocol docs) -------------------

/** `0f 00 01 0b "Terraria279"`: length 15, type 1, the version string with its 7-bit length. */
export const TERRARIA_CONNECT_REQUEST = Buffer.concat([
  Buffer.from([0x0f, 0x00, 0x01, 0x0b]),
  Buffer.from('Terraria279', 'latin1'),
]);

// --- Luanti (src/client/client.cpp Client::sendInit, src/network/clientopcodes.cpp: channel 1, unreliable) ---

/** TOSERVER_INIT from peer `peerId`: u8 29, u16 0, u16 37 (min protocol), u16 53 (latest), string name. */
export function luantiInit(peerId: number, name: string): Buffer {
  const head = Buffer.alloc(7 + 1 + 2 + 1 + 2 + 2 + 2 + 2);
  head.writeUInt32BE(0x4f457403, 0);
  head.writeUInt16BE(peerId, 4);
  head[6] = 1; // channel
  head[7] = 1; // ORIGINAL
  head.writeUInt16BE(0x0002, 8); // TOSERVER_INIT
  head[10] = 29; // SER_FMT_VER_HIGHEST_READ
  head.writeUInt16BE(0, 11);
  head.writeUInt16BE(37, 13); // CLIENT_PROTOCOL_VERSION_MIN
  head.writeUInt16BE(53, 15); // LATEST_PROTOCOL_VERSION
  head.writeUInt16BE(name.length, 17);
  return Buffer.concat([head, Buffer.from(name, 'latin1')]);
}

/** The client's opening packet (threads.cpp ConnectionSendThread::connect: NetworkPacket(0, 0), reliable). */
export const LUANTI_CLIENT_HELLO = Buffer.from('4f457403000000' + '03ffdc' + '01' + '0000', 'hex');

// --- Factorio (Hornwitser/factorio_dissector factorio.lua: dissect_network_message_header,
// dissect_connection_request) -------------------------------------------------------------------------------

/** ConnectionRequest from a 1.1.110 client (build 62581): flags 02, message id, version, request id. */
export const FACTORIO_CONNECTION_REQUEST = Buffer.from('02' + '0100' + '01016e' + '75f4' + '87d6d5c8', 'hex');

// --- What must never wake: scanners and noise ----------------------------------------------------------------

/** A deterministic pseudo-random buffer (xorshift32), so a failure can be replayed. */
export function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

/** Payloads nmap's UDP scan sends (nmap-payloads) and other common probes, besides the empty datagram. */
export const UDP_PROBES: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  'DNS status request (nmap)': Buffer.from('000010000000000000000000', 'hex'),
  'NTP client request (nmap)': Buffer.concat([Buffer.from('e30004fa000100000001', 'hex'), Buffer.alloc(38)]),
  'SNMPv1 get public (nmap)': Buffer.from(
    '302902010004067075626c6963a01c0204ffffffff020100020100300e300c06082b060102010101000500',
    'hex',
  ),
  'SSDP M-SEARCH': Buffer.from(
    'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n',
  ),
  'zeros (64)': Buffer.alloc(64),
  'random 16': garbage(16, 1),
  'random 48': garbage(48, 2),
  'random 512': garbage(512, 3),
  'random 1200': garbage(1200, 4),
};

/** Status queries of every family: sent anywhere, each is at most a status query, never a join. */
export const STATUS_QUERIES: Record<string, Buffer> = {
  A2S_INFO: Buffer.concat([OOB, Buffer.from('TSource Engine Query\0', 'latin1')]),
  A2S_PLAYER: Buffer.concat([OOB, Buffer.from([0x55, 0xff, 0xff, 0xff, 0xff])]),
  A2S_RULES: Buffer.concat([OOB, Buffer.from([0x56, 0xff, 0xff, 0xff, 0xff])]),
  'Quake 3 getstatus': quake3('getstatus'),
  'Quake 3 getinfo': quake3('getinfo xyz'),
  'RakNet unconnected ping': RAKNET_UNCONNECTED_PING,
  'Satisfactory poll': Buffer.from('d5f600010102030405060708' + '01', 'hex'),
  'OpenTTD find server': Buffer.from('030000', 'hex'),
  'Luanti hello (the product probe)': Buffer.from('4f45740300000003ffdc01', 'hex'),
  'Luanti disconnect': Buffer.from('4f457403123400' + '0003', 'hex'),
};

/** What arrives on TCP game ports besides game clients. */
export const TCP_PROBES: Record<string, Buffer> = {
  'HTTP GET': Buffer.from('GET / HTTP/1.1\r\nHost: example\r\nUser-Agent: Mozilla/5.0\r\n\r\n'),
  // A TLS 1.2 ClientHello's start: record type 22, version 3.1, length, handshake type 1.
  'TLS ClientHello': Buffer.concat([Buffer.from('160301006b0100006703035b', 'hex'), garbage(100, 5)]),
  'SSH banner': Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'),
  'random 200': garbage(200, 6),
};
