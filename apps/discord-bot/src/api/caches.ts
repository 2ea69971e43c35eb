// Reads the bot repeats a lot, kept briefly so autocomplete can always answer within Discord's 3 s: the game
// catalog (kept 5 minutes), and each guild's (or user's) last server list and each server's last backup and
// schedule lists, the fallbacks when a read is slow.
import { type Acting, type ApiClient, ApiError } from '@guildserver/api-client';
import {
  type Backup,
  type BackupList,
  type Schedule,
  type ScheduleList,
  SERVER_ID_PATTERN,
  type Server,
} from '@guildserver/contracts';
import type { GameSummary } from '@guildserver/games';
import { normaliseName } from '../command-definitions/options.js';
import { BotError } from '../core/bot-error.js';

/** What the bot needs of a game. */
export type Game = Pick<GameSummary, 'id' | 'name' | 'defaultSize' | 'minimumSize'>;

const CATALOG_TTL_MS = 5 * 60_000;
/** Pages walked at most for one listing (100 servers each): a guild is bounded by its quota long before. */
const MAX_PAGES = 20;

export class GameCatalog {
  private games: Game[] | undefined;
  private fetchedAt = 0;
  private pending: Promise<Game[]> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The catalog, fresh when the cached one is old; the old one when the API fails and there is one. */
  async list(timeoutMs?: number): Promise<Game[]> {
    if (this.games && this.now() - this.fetchedAt < CATALOG_TTL_MS) return this.games;
    this.pending ??= this.api
      .games(timeoutMs === undefined ? {} : { timeoutMs })
      .then((games) => {
        this.games = games;
        this.fetchedAt = this.now();
        return games;
      })
      .finally(() => {
        this.pending = undefined;
      });
    try {
      return await this.pending;
    } catch (error) {
      if (this.games) return this.games;
      throw error;
    }
  }

  cached(): Game[] | undefined {
    return this.games;
  }

  /** For display names: the catalog, or whatever was last read (or nothing) when the API cannot say. */
  forDisplay(): Promise<Game[] | undefined> {
    return this.list().catch(() => this.games);
  }
}

export class ServerLookup {
  private readonly lists = new Map<string, Server[]>();

  constructor(private readonly api: ApiClient) {}

  private key = (guildId: string, ownerId: string | undefined) => `${guildId}:${ownerId ?? '*'}`;

  /**
   * Every server of the guild (or of one owner in it), oldest first, always asked fresh (the API answers
   * listings from its own cache while nothing changed); remembered as the fallback for a late autocomplete.
   */
  async all(
    guildId: string,
    ownerId: string | undefined,
    options: { acting?: Acting; timeoutMs?: number } = {},
  ): Promise<Server[]> {
    const servers: Server[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const list = await this.api.listServers(
        { guildId, ownerId, cursor, limit: 100 },
        { acting: options.acting, timeoutMs: options.timeoutMs },
      );
      servers.push(...list.servers);
      if (!list.nextCursor) break;
      cursor = list.nextCursor;
    }
    const live = servers.filter((s) => s.state !== 'deleted');
    this.lists.set(this.key(guildId, ownerId), live);
    return live;
  }

  /** The last list read for this guild/owner, however old (autocomplete's fallback). */
  cached(guildId: string, ownerId: string | undefined): Server[] | undefined {
    return this.lists.get(this.key(guildId, ownerId));
  }

  /**
   * The server a `name` option means: an id picked from autocomplete, or a name typed by hand (looked up in the
   * guild). The API checks again that the user may act on it.
   */
  async resolve(guildId: string, text: string, acting: Acting): Promise<Server> {
    if (SERVER_ID_PATTERN.test(text)) {
      const server = await this.api.getServer(text, { acting });
      if (server.guildId !== guildId) throw new ApiError('not_found', 'That server is in another guild.');
      return server;
    }
    const name = normaliseName(text);
    const servers = await this.all(guildId, undefined, { acting });
    const found = servers.find((s) => s.name === name);
    if (!found) {
      // The API lists only what the user may act on: their own servers, or the guild's for its admins.
      const whose = acting.adminOfGuild === guildId ? 'There is no server' : 'You have no server';
      throw new BotError(
        'server_not_found',
        `${whose} named “${text.slice(0, 40)}” here; pick one from the list that appears as you type.`,
      );
    }
    // Through the API, so ownership is checked (not_owner) just as for an id.
    return this.api.getServer(found.id, { acting });
  }
}

type CallOptions = { acting?: Acting; timeoutMs?: number };

/**
 * One kind of list each server has (its backups, its schedules), asked fresh; its items remembered per server
 * for autocomplete's fallback.
 */
class PerServerLists<List, Item> {
  private readonly lists = new Map<string, Item[]>();

  constructor(
    private readonly read: (serverId: string, options: CallOptions) => Promise<List>,
    private readonly itemsOf: (list: List) => Item[],
  ) {}

  /** The list, asked fresh; its items remembered for autocomplete. */
  async list(serverId: string, options: CallOptions = {}): Promise<List> {
    const list = await this.read(serverId, options);
    this.lists.set(serverId, this.itemsOf(list));
    return list;
  }

  /**
   * The server's items as last listed, however old (autocomplete's fallback). Not a permission check: the
   * caller offers them only for a server the user's own server list holds.
   */
  cached(serverId: string): Item[] | undefined {
    return this.lists.get(serverId);
  }
}

/** The server's backups and the guild's quota; the backups remembered for autocomplete. */
export class BackupLookup extends PerServerLists<BackupList, Backup> {
  constructor(api: ApiClient) {
    super(
      (serverId, options) => api.backups(serverId, options),
      (list) => list.backups,
    );
  }
}

/** The server's schedules with their next and last runs; remembered for autocomplete. */
export class ScheduleLookup extends PerServerLists<ScheduleList, Schedule> {
  constructor(api: ApiClient) {
    super(
      (serverId, options) => api.schedules(serverId, options),
      (list) => list.schedules,
    );
  }
}
