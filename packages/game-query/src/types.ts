export interface PlayerCount {
  online: number;
  max: number;
}

/** What a game said about itself. */
export interface GameAnswer {
  /** The server's name as the game reports it. */
  name?: string;
  map?: string;
  /**
   * The game's own version as its status query reports it: OpenTTD's revision ("13.0"), Quake 3's `version`
   * key, Minecraft's version name. Undefined when the protocol carries none.
   */
  version?: string;
  /** Undefined when the game's protocol cannot tell (Luanti: its server-list announces do). */
  players: PlayerCount | undefined;
  /** Round trip of the query, ms. */
  pingMs?: number;
  /** The protocol's own answer, for logs and debugging. */
  raw?: unknown;
}

export interface QueryOptions {
  /** Where the query goes; default the catalog's query port. */
  port?: number;
  /** How long the game may take to answer; default 5 s. */
  timeoutMs?: number;
  /** Games queried over RCON (Factorio) need it. */
  rconPassword?: string;
  /**
   * The server's maximum of players, reported when the protocol cannot tell it (Factorio's RCON);
   * default the game's `maxPlayers` setting's default.
   */
  maxPlayers?: number;
  signal?: AbortSignal;
}
