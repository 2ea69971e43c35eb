// How a create's route and expected time read, the same in Discord and in `gs`.
import type { Job } from './api/jobs.js';

/** "about 45 s" under a minute and a half, else "about 8 min". */
export function aboutDuration(seconds: number): string {
  return seconds < 90
    ? `about ${Math.max(1, Math.round(seconds))} s`
    : `about ${Math.round(seconds / 60)} min`;
}

/** One sentence on how a create is made and how long it usually takes; undefined for other jobs. */
export function routeSentence(job: Pick<Job, 'route' | 'expectedSeconds'>): string | undefined {
  const usually =
    job.expectedSeconds === null ? '' : `, usually ready in ${aboutDuration(job.expectedSeconds)}`;
  if (job.route === 'pool')
    return `A VM made ready ahead of time from the game's image: only its settings are applied${usually}.`;
  if (job.route === 'image') return `From the game's image: only its settings are applied${usually}.`;
  if (job.route === 'install') return `No image of this game yet: installing it in full${usually}.`;
  return undefined;
}
