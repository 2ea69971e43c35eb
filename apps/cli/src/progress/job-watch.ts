import { type ApiClient, ApiUnreachableError } from '@guildserver/api-client';
import type { GuildEvent, GuildEventOf, Job, JobStep } from '@guildserver/contracts';

/** What a watcher shows; the TTY spinner, plain lines and --json (silence) implement it. */
export interface WatchReporter {
  /** The job as first seen (its kind, its steps). */
  begin(job: Job): void;
  stepStarted(step: JobStep): void;
  /** Succeeded, failed or skipped. */
  stepFinished(step: JobStep): void;
  /** A step.progress message of the running step. */
  progress(message: string): void;
  connection(state: 'open' | 'lost'): void;
  end(): void;
}

export interface WatchOptions {
  /** How often the job is read again while events are flowing (they trigger reads too). */
  pollMs?: number;
  /** How often it is read when the API has no event stream. */
  fallbackPollMs?: number;
  /** How long the API may stay unreachable during a watch before giving up. */
  giveUpAfterMs?: number;
}

const TERMINAL = new Set(['succeeded', 'failed']);
const FINISHED_STEP = new Set(['succeeded', 'failed', 'skipped']);

export const isFinished = (job: Job) => TERMINAL.has(job.state);

/** What a `step.progress` event says about the step on screen; nothing when it is about another step. */
export function progressNote(event: GuildEventOf<'step.progress'>, runningStep: string | undefined) {
  if (event.data.step !== runningStep) return undefined;
  // Events written before the data was typed carry the note only as their sentence.
  return event.data.note ?? event.message;
}

/**
 * Follows one job to its end: the event stream (resumed with Last-Event-ID when it drops) says when
 * something happened, GET /v1/jobs/:id says what — so a missed or replayed event never shows a wrong
 * step, and a slow poll still ends the watch if the stream is quiet or absent. Resolves with the finished job.
 */
export async function watchJob(
  client: ApiClient,
  jobId: string,
  reporter: WatchReporter,
  options: WatchOptions = {},
): Promise<Job> {
  const pollMs = options.pollMs ?? 3_000;
  const fallbackPollMs = options.fallbackPollMs ?? 1_000;
  const giveUpAfter = options.giveUpAfterMs ?? 120_000;
  const shown = new Map<string, string>();
  let running: string | undefined;

  const show = (job: Job) => {
    for (const step of job.steps) {
      const before = shown.get(step.name) ?? 'pending';
      if (before === step.state) continue;
      shown.set(step.name, step.state);
      if (step.state === 'running') {
        running = step.name;
        reporter.stepStarted(step);
      } else if (FINISHED_STEP.has(step.state)) {
        if (running === step.name) running = undefined;
        reporter.stepFinished(step);
      }
    }
  };

  let job = await client.job(jobId);
  reporter.begin(job);
  show(job);
  if (isFinished(job)) {
    reporter.end();
    return job;
  }

  const stop = new AbortController();
  let finished: (job: Job) => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const done = new Promise<Job>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });

  // One read at a time; a trigger during a read asks for one more afterwards.
  let reading = false;
  let again = false;
  let unreachableSince: number | undefined;
  const refresh = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        try {
          job = await client.job(jobId);
          unreachableSince = undefined;
        } catch (error) {
          if (!(error instanceof ApiUnreachableError)) throw error;
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > giveUpAfter) throw error;
          return;
        }
        show(job);
        if (isFinished(job)) {
          stop.abort();
          finished(job);
          return;
        }
      } while (again);
    } catch (error) {
      stop.abort();
      failed(error);
    } finally {
      reading = false;
    }
  };

  let interval = setInterval(() => void refresh(), pollMs);
  const onEvent = (event: GuildEvent) => {
    if (event.jobId !== jobId) return;
    if (event.type === 'step.progress') {
      const note = progressNote(event, running);
      if (note !== undefined) reporter.progress(note);
      return;
    }
    void refresh();
  };

  client
    .followEvents({
      serverId: job.serverId,
      after: 0,
      signal: stop.signal,
      onEvent,
      onConnection: (state) => {
        reporter.connection(state);
        if (state === 'open') void refresh(); // catch up on whatever happened while away
      },
      giveUpAfterMs: giveUpAfter,
    })
    .then(
      (outcome) => {
        if (outcome === 'unsupported' && !stop.signal.aborted) {
          clearInterval(interval);
          interval = setInterval(() => void refresh(), fallbackPollMs);
        }
      },
      (error: unknown) => {
        stop.abort();
        failed(error);
      },
    );

  try {
    return await done;
  } finally {
    clearInterval(interval);
    stop.abort();
    reporter.end();
  }
}
