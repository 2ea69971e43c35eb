// Progress and the final state shown by editing the interaction's own message, through its token (which
// Discord honours for 15 minutes). One render at a time per job, each from fresh API state.
import type { ApiClient } from '@guildserver/api-client';
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { Game } from '../api/caches.js';
import { jobView, type MessageView, statusView } from '../rendering/views.js';
import type { BotState } from '../state/bot-state.js';
import type { DeliveredCounts } from './delivered.js';
import { TOKEN_DEAD_CODES, tokenAlive } from './routing.js';

export interface InteractionMessageDeps {
  api: ApiClient;
  rest: REST;
  state: BotState;
  logger: Logger;
  hostExternal: string;
  /** The game catalog (as last read when the API fails), for display names on status cards. */
  games?: () => Promise<readonly Game[] | undefined>;
  now: () => number;
  delivered: DeliveredCounts;
}

export type RenderResult = 'edited' | 'dead' | 'untracked';

export class InteractionMessages {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: InteractionMessageDeps) {}

  /** Edits the interaction's message with the job as it stands; 'dead' when Discord refuses the token. */
  render(jobId: string): Promise<RenderResult> {
    return this.lock(jobId, async () => {
      const { state, api, rest, hostExternal, logger } = this.deps;
      const tracked = state.tracked(jobId);
      if (!tracked) return 'untracked';
      if (!tokenAlive(tracked, this.deps.now())) {
        state.markExpired(jobId);
        return 'dead';
      }
      const job = await api.job(jobId);
      const server =
        tracked.origin === 'status' || job.state === 'succeeded'
          ? await api.getServer(tracked.serverId).catch(() => undefined)
          : undefined;
      let view: MessageView = jobView(job, server, tracked.serverName, hostExternal);
      if (tracked.origin === 'status' && server) {
        const status = statusView(server, hostExternal, await this.deps.games?.());
        view = {
          content: '',
          embeds: [...status.embeds, ...(job.state === 'succeeded' ? [] : view.embeds)],
          components: status.components,
        };
      }
      try {
        await rest.patch(Routes.webhookMessage(tracked.applicationId, tracked.token, '@original'), {
          body: { ...view, allowed_mentions: { parse: [] } },
          auth: false,
        });
        this.deps.delivered.edits++;
        return 'edited';
      } catch (error) {
        if (isTokenDead(error)) {
          logger.info(
            { jobId, code: codeOf(error) },
            'interaction token no longer usable; notices go to the channel',
          );
          state.markExpired(jobId);
          return 'dead';
        }
        throw error;
      }
    });
  }

  /** Runs `work` after the previous work of the same key: the last render always shows the latest. */
  private lock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    next.then(
      () => this.locks.get(key) === next && this.locks.delete(key),
      () => this.locks.get(key) === next && this.locks.delete(key),
    );
    return next;
  }
}

function codeOf(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}

function isTokenDead(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError && (TOKEN_DEAD_CODES.has(Number(error.code)) || error.status === 401)
  );
}
