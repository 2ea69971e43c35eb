// Discord's gateway on `ws` (JSON, no compression): HELLO, heartbeats, IDENTIFY → READY + a full GUILD_CREATE
// per guild, sequence numbers, RESUME → replay of missed dispatches → RESUMED, and dispatches such as
// INTERACTION_CREATE. Close codes follow Discord's (4001 unknown opcode, 4003 not authenticated, 4004 bad token...).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
} from 'discord-api-types/v10';
import { type WebSocket, WebSocketServer } from 'ws';
import type { World } from '../world.js';

const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
const MAX_BUFFERED = 1000;

export interface GatewayOptions {
  world: World;
  botToken: string;
  applicationFlags: number;
  heartbeatIntervalMs: number;
  /** Privileged intents enabled for the application in the developer portal (none by default). */
  privilegedIntents: number;
  url(): string;
}

interface DispatchPayload {
  op: GatewayOpcodes.Dispatch;
  s: number;
  t: string;
  d: unknown;
}

export class GatewaySession {
  seq = 0;
  socket: WebSocket | undefined;
  readonly events: DispatchPayload[] = [];

  constructor(
    readonly id: string,
    readonly intents: number,
  ) {}

  dispatch(t: string, d: unknown): void {
    const payload: DispatchPayload = { op: GatewayOpcodes.Dispatch, s: ++this.seq, t, d };
    this.events.push(payload);
    if (this.events.length > MAX_BUFFERED) this.events.shift();
    send(this.socket, payload);
  }
}

export interface GatewayStats {
  connections: number;
  identifies: number;
  resumes: number;
  /** Dispatches sent again on RESUME. */
  replayed: number;
  /** Dispatches queued while no connection was open. */
  queuedWhileDisconnected: number;
}

function send(socket: WebSocket | undefined, payload: unknown): void {
  if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
}

export class GatewayServer {
  readonly sessions = new Map<string, GatewaySession>();
  readonly stats: GatewayStats = {
    connections: 0,
    identifies: 0,
    resumes: 0,
    replayed: 0,
    queuedWhileDisconnected: 0,
  };
  private readonly wss = new WebSocketServer({ noServer: true });
  private held: { queue: (() => void)[]; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly options: GatewayOptions) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const accept = () => this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    if (this.held) this.held.queue.push(accept);
    else accept();
  }

  /** Sends a dispatch to every session; sessions without a connection keep it for RESUME. */
  dispatch(t: string, d: unknown): void {
    for (const session of this.sessions.values()) {
      if (!session.socket) this.stats.queuedWhileDisconnected++;
      session.dispatch(t, d);
    }
    if (this.held) setImmediate(() => this.release());
  }

  /** Number of sessions with an open connection. */
  get connected(): number {
    return [...this.sessions.values()].filter(
      (s) => s.socket !== undefined && s.socket.readyState === s.socket.OPEN,
    ).length;
  }

  /**
   * Drops every connection with a resumable close code (4000, like a network blip). Reconnections are held until
   * the next dispatch is queued (or `holdMs` passes), so a test can dispatch "while the bot is away".
   */
  async disconnectAll(options: { code?: number; holdMs?: number } = {}): Promise<void> {
    const holdMs = options.holdMs ?? 250;
    if (!this.held) this.held = { queue: [], timer: setTimeout(() => this.release(), holdMs) };
    const closing = [...this.sessions.values()].flatMap((s) => {
      const socket = s.socket;
      s.socket = undefined;
      if (!socket) return [];
      return [
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(options.code ?? GatewayCloseCodes.UnknownError, 'Unknown error');
          setTimeout(() => {
            socket.terminate();
            resolve();
          }, 1000).unref();
        }),
      ];
    });
    await Promise.all(closing);
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    clearTimeout(held.timer);
    for (const accept of held.queue) accept();
  }

  async close(): Promise<void> {
    this.release();
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.stats.connections++;
    const query = new URL(req.url ?? '/', 'ws://fake').searchParams;
    if ((query.get('v') ?? '10') !== '10') {
      ws.close(GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version');
      return;
    }
    // JSON only: etf and zlib-stream transport compression are not spoken here (discord.js without zlib-sync
    // asks for neither).
    if ((query.get('encoding') ?? 'json') !== 'json' || query.has('compress')) {
      ws.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    let session: GatewaySession | undefined;
    send(ws, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });

    ws.on('message', (raw) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        return ws.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      }
      switch (payload.op) {
        case GatewayOpcodes.Heartbeat:
          return send(ws, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        case GatewayOpcodes.Identify:
          if (session) return ws.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
          session = this.identify(ws, payload.d);
          return;
        case GatewayOpcodes.Resume:
          if (session) return ws.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
          session = this.resume(ws, payload.d);
          return;
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
        case GatewayOpcodes.RequestGuildMembers:
        case GatewayOpcodes.RequestSoundboardSounds:
          if (!session) return ws.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
          return;
        default:
          return ws.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
      }
    });
    ws.on('close', (code) => {
      if (!session || session.socket !== ws) return;
      session.socket = undefined;
      // A client closing with 1000/1001 ends its session (Discord invalidates it); anything else may resume.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    });
  }

  private tokenOk(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot /, '') === this.options.botToken;
  }

  private identify(ws: WebSocket, d: unknown): GatewaySession | undefined {
    const data = (d ?? {}) as { token?: unknown; intents?: unknown };
    if (!this.tokenOk(data.token)) {
      ws.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return undefined;
    }
    if (typeof data.intents !== 'number' || data.intents < 0) {
      ws.close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
      return undefined;
    }
    if ((data.intents & PRIVILEGED_INTENTS & ~this.options.privilegedIntents) !== 0) {
      ws.close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
      return undefined;
    }
    this.stats.identifies++;
    const { world } = this.options;
    const session = new GatewaySession(randomBytes(16).toString('hex'), data.intents);
    session.socket = ws;
    this.sessions.set(session.id, session);
    session.dispatch(GatewayDispatchEvents.Ready, {
      v: 10,
      user: { ...world.apiUser(world.bot.id), verified: true, mfa_enabled: false, flags: 0, email: null },
      guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.options.url(),
      shard: [0, 1],
      application: { id: world.applicationId, flags: this.options.applicationFlags },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      _trace: ['["discord-fake",{"micros":0}]'],
    });
    for (const guild of world.guilds.values())
      session.dispatch(GatewayDispatchEvents.GuildCreate, world.guildCreatePayload(guild));
    return session;
  }

  private resume(ws: WebSocket, d: unknown): GatewaySession | undefined {
    const data = (d ?? {}) as { token?: unknown; session_id?: unknown; seq?: unknown };
    if (!this.tokenOk(data.token)) {
      ws.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return undefined;
    }
    const session = typeof data.session_id === 'string' ? this.sessions.get(data.session_id) : undefined;
    const seq = typeof data.seq === 'number' ? data.seq : 0;
    const oldest = session?.events[0]?.s ?? 1;
    if (!session || seq > session.seq || seq < oldest - 1) {
      send(ws, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return undefined;
    }
    this.stats.resumes++;
    if (session.socket && session.socket !== ws) session.socket.terminate();
    session.socket = ws;
    for (const event of session.events)
      if (event.s > seq) {
        this.stats.replayed++;
        send(ws, event);
      }
    session.dispatch(GatewayDispatchEvents.Resumed, null);
    return session;
  }
}
