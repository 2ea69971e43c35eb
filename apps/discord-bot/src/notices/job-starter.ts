// What command handlers call to start a job: the API call runs here so the interaction is remembered before
// the event loop can see the job's events; then the first progress is shown.
import type { Accepted } from '@guildserver/api-client';
import type { JobKind } from '@guildserver/contracts';
import type { Logger } from 'pino';
import type { BotState } from '../state/bot-state.js';
import type { InteractionMessages } from './interaction-message.js';

/** What the bot knows of the interaction that started a job. */
export interface JobOrigin {
  applicationId: string;
  token: string;
  receivedAt: number;
  userId: string;
  guildId: string;
  channelId: string;
  origin: 'command' | 'status';
}

export class JobStarter {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly state: BotState,
    private readonly messages: InteractionMessages,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs the API call that queues a job and remembers the interaction before anything else can see the job's
   * events; then shows the first progress.
   */
  async startJob(call: () => Promise<Accepted>, origin: JobOrigin, kind: JobKind): Promise<Accepted> {
    const work = (async () => {
      const accepted = await call();
      this.state.track({
        ...origin,
        jobId: accepted.jobId,
        serverId: accepted.server.id,
        serverName: accepted.server.name,
        kind,
      });
      await this.state.flush();
      return accepted;
    })();
    this.inflight.add(work);
    work.then(
      () => this.inflight.delete(work),
      () => this.inflight.delete(work),
    );
    const accepted = await work;
    await this.messages
      .render(accepted.jobId)
      .catch((error) =>
        this.logger.warn({ err: error, jobId: accepted.jobId }, 'first progress render failed'),
      );
    return accepted;
  }

  /** Whether a start is between its API call and remembering its interaction. */
  get starting(): boolean {
    return this.inflight.size > 0;
  }

  /** Resolves once every start under way has remembered its interaction (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}
