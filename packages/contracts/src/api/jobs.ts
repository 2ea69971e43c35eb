import { z } from 'zod';

/**
 * `recreate`: a deleted server brought back from its final backup, into a new VM. `copy`: a new server made
 * from another server's backup (its world under another name). `sleep`: an idle server saved and put to sleep
 * (its VM hibernated or shut down); `wake`: brought back.
 */
export const JOB_KINDS = [
  'create',
  'start',
  'stop',
  'restart',
  'delete',
  'backup',
  'restore',
  'recreate',
  'copy',
  'sleep',
  'wake',
] as const;
export const jobKindSchema = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof jobKindSchema>;

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
export const stepStateSchema = z.enum(STEP_STATES);
export type StepState = z.infer<typeof stepStateSchema>;

export const jobStepSchema = z.object({
  name: z.string(),
  /** A sentence for people: "Cloning the template". */
  title: z.string(),
  state: stepStateSchema,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  detail: z.string().nullable(),
  error: z.string().nullable(),
});
export type JobStep = z.infer<typeof jobStepSchema>;

export const CREATE_ROUTES = ['pool', 'image', 'install'] as const;
export const createRouteSchema = z.enum(CREATE_ROUTES);
export type CreateRoute = z.infer<typeof createRouteSchema>;

/** Why a job (or an image build) failed: a code, one sentence, and the step it failed at. */
export const jobErrorSchema = z
  .object({ code: z.string(), message: z.string(), step: z.string().nullable() })
  .nullable();

export const jobSchema = z.object({
  id: z.string(),
  serverId: z.string(),
  kind: jobKindSchema,
  state: jobStateSchema,
  steps: z.array(jobStepSchema),
  error: jobErrorSchema,
  /** Full log of the failing step (e.g. Ansible output), for operators. */
  log: z.string().nullable(),
  /**
   * A create's route: a VM of the warm pool taken, made ready from the game's image ahead of time (`pool`); its
   * VM cloned from the game's image (`image`) — in both the game is only configured — or the game installed in
   * full (`install`). Null for other kinds.
   */
  route: createRouteSchema.nullable(),
  /**
   * How long it should take, from the request to done: the median of the last creates of the same game by the
   * same route, when it was asked for. Null until one has finished.
   */
  expectedSeconds: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;
