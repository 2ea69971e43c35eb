// Game images (templates a create clones instead of installing the game): GET /v1/images, admin only.
import { z } from 'zod';
import { jobErrorSchema, jobStateSchema, jobStepSchema } from './jobs.js';

/** A game image as Proxmox holds it. */
export const gameImageSchema = z.object({
  vmid: z.number().int(),
  node: z.string(),
  name: z.string().nullable(),
  /** The game its tags and description name. */
  game: z.string(),
  /** The recipe hash in its description; null when the description has no `guildserver-image` line. */
  recipe: z.string().nullable(),
  /** Built from today's recipe: creates of its game clone it. */
  current: z.boolean(),
});
export type GameImage = z.infer<typeof gameImageSchema>;

/** What makes an image of a game current today, and how an image built by hand is marked to be one. */
export const gameRecipeSchema = z.object({
  game: z.string(),
  recipe: z.string(),
  /** The tags to give the template (`guildserver;gs-image;game-<id>`). */
  tags: z.array(z.string()),
  /** The line its description must carry. */
  descriptionLine: z.string(),
});
export type GameRecipe = z.infer<typeof gameRecipeSchema>;

/** Why an image is built: an admin asked (`gs image build`), the weekly rebuild, or its recipe changed. */
export const IMAGE_BUILD_REASONS = ['asked', 'schedule', 'recipe_changed'] as const;
export const imageBuildReasonSchema = z.enum(IMAGE_BUILD_REASONS);
export type ImageBuildReason = z.infer<typeof imageBuildReasonSchema>;

/**
 * Building a game's image, a job of its own: a full clone of the base template, the game's playbook with
 * `--tags install`, playbooks/seal.yml, a shutdown, then a template marked with `recipe`. A failed build leaves
 * no VM behind.
 */
export const imageBuildSchema = z.object({
  id: z.string(),
  game: z.string(),
  state: jobStateSchema,
  reason: imageBuildReasonSchema,
  node: z.string(),
  /** The VM that becomes the image. */
  vmid: z.number().int(),
  /** The recipe it is built from (today's when it was asked for). */
  recipe: z.string(),
  steps: z.array(jobStepSchema),
  error: jobErrorSchema,
  /** Full log of the failing step (e.g. Ansible output), for operators. */
  log: z.string().nullable(),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ImageBuild = z.infer<typeof imageBuildSchema>;

/** POST /v1/images: one game's image, or every game's the admin's licences allow. */
export const imageBuildRequestSchema = z
  .object({
    game: z.string().min(1).optional(),
    all: z.boolean().optional(),
  })
  .refine((body) => (body.game === undefined) !== (body.all !== true), {
    message: 'Give either `game` (a game id, such as openttd) or `all: true`, not both.',
  });
export type ImageBuildRequest = z.infer<typeof imageBuildRequestSchema>;

export const imageBuildsQueuedSchema = z.object({
  builds: z.array(imageBuildSchema),
  /** Games not built, each with one sentence why (a build already under way, a licence not accepted). */
  skipped: z.array(z.object({ game: z.string(), reason: z.string() })),
});
export type ImageBuildsQueued = z.infer<typeof imageBuildsQueuedSchema>;

export const imageListSchema = z.object({
  images: z.array(gameImageSchema),
  recipes: z.array(gameRecipeSchema),
  /** The latest builds, newest first. */
  builds: z.array(imageBuildSchema),
});
export type ImageList = z.infer<typeof imageListSchema>;
