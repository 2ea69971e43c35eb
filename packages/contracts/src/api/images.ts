// Game images (templates a create clones instead of installing the game): GET /v1/images, admin only.
import { z } from 'zod';

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

export const imageListSchema = z.object({
  images: z.array(gameImageSchema),
  recipes: z.array(gameRecipeSchema),
});
export type ImageList = z.infer<typeof imageListSchema>;
