// Which ports the sleeping servers of the forwarding table need held, and what each answers with: the
// responder of its game's port (asleep/index.ts) and the words the API gave for its server.
import type { AsleepEntry } from '@guildserver/contracts';
import { isGameId } from '@guildserver/games';
import { portKey } from '../ruleset.js';
import { type PortSelector, responderFor } from './index.js';
import type { AsleepInfo, AsleepResponder } from './types.js';

/** Who a held port answers for. */
export interface HeldTarget {
  serverId: string;
  serverName: string;
  responder: AsleepResponder;
  info: AsleepInfo;
}

export interface PortToHold {
  protocol: 'tcp' | 'udp';
  publishedPort: number;
  target: HeldTarget;
}

export interface PortsToHold {
  /** Keyed `tcp/25565` (portKey). */
  ports: Map<string, PortToHold>;
  /** A sentence per entry the edge cannot answer for. */
  problems: string[];
}

export function infoOf(entry: AsleepEntry): AsleepInfo {
  const gamePort = entry.ports.find((port) => port.purpose === 'game' && port.index === 1)?.publishedPort;
  return {
    serverName: entry.serverName,
    status: entry.status,
    joinMessage: entry.joinMessage,
    maxPlayers: entry.maxPlayers,
    ...(entry.version === undefined ? {} : { version: entry.version }),
    ...(gamePort === undefined ? {} : { gamePort }),
  };
}

const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65_535;

export function portsToHold(entries: readonly AsleepEntry[]): PortsToHold {
  const ports = new Map<string, PortToHold>();
  const problems: string[] = [];
  for (const entry of entries) {
    const game = entry.game;
    if (!isGameId(game)) {
      problems.push(
        `${entry.serverName} sleeps, but its game "${game}" is unknown to this edge (older than the API?), so its ports are not answered until it wakes.`,
      );
      continue;
    }
    const info = infoOf(entry);
    for (const port of entry.ports) {
      if (!isPort(port.publishedPort)) continue;
      // The catalog's purposes are a closed list; a purpose it does not know finds no responder.
      const responder = responderFor(game, port as PortSelector);
      if (responder === undefined) continue; // RCON and the like stay silent
      const key = portKey(port.protocol, port.publishedPort);
      const claimed = ports.get(key);
      if (claimed) {
        problems.push(
          `${key} is listed for two sleeping servers (${claimed.target.serverName} and ${entry.serverName}); only ${claimed.target.serverName}'s is answered.`,
        );
        continue;
      }
      ports.set(key, {
        protocol: port.protocol,
        publishedPort: port.publishedPort,
        target: { serverId: entry.serverId, serverName: entry.serverName, responder, info },
      });
    }
  }
  return { ports, problems };
}

/** What a held socket asks of its holder. */
export interface PortHooks {
  /** Who the port answers for now: swapped when the port moves to another server or its words change. */
  target(): HeldTarget;
  /** A responder's join verdict for a player at `source`. */
  joined(target: HeldTarget, source: string): void;
}

export interface HeldSocket {
  /** Stops listening and drops its connections; resolves once the port is free. */
  close(): Promise<void>;
}
