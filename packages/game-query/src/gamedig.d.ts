// The part of gamedig 5's API this package uses (gamedig ships no type declarations of its own).
declare module 'gamedig' {
  export interface QueryOptions {
    /** gamedig's game id (`gamedig --type`). */
    type: string;
    host: string;
    port?: number;
    /** Only the given port: no guessing the query port from the game port. */
    givenPortOnly?: boolean;
    maxRetries?: number;
    /** Per socket operation, ms. */
    socketTimeout?: number;
    /** Per attempt, ms. */
    attemptTimeout?: number;
    ipFamily?: 0 | 4 | 6;
    requestPlayers?: boolean;
    requestRules?: boolean;
    portCache?: boolean;
    /** Protocol-specific (TShock's REST token). */
    token?: string;
    debug?: boolean;
  }

  export interface Player {
    name?: string;
    raw?: Record<string, unknown>;
  }

  export interface QueryResult {
    name: string;
    map: string;
    password: boolean;
    /** Some protocols put the raw text (a number as a string) here. */
    numplayers: number | string;
    maxplayers: number | string;
    players: Player[];
    bots: Player[];
    queryPort: number;
    connect: string;
    /** The game's version as its protocol reports it ('' when none): OpenTTD's revision, Quake 3's `version`. */
    version: string;
    /** Shortest round trip seen, ms. */
    ping: number;
    raw: Record<string, unknown>;
  }

  /** gamedig's game list (lib/games.js): each id's name and default query options. */
  export const games: Record<
    string,
    {
      name: string;
      release_year?: number;
      options: {
        port?: number;
        port_query?: number;
        port_query_offset?: number | number[];
        protocol: string;
        [option: string]: unknown;
      };
      extra?: Record<string, unknown>;
    }
  >;

  export class GameDig {
    constructor(runnerOptions?: { listenUdpPort?: number });
    query(options: QueryOptions): Promise<QueryResult>;
    static query(options: QueryOptions): Promise<QueryResult>;
  }
}
