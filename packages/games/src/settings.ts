import { z } from 'zod';
import type { GameSetting } from './types';

/** The values a user may give one setting, as the config modal and the API check them. */
export function settingValueSchema(setting: GameSetting): z.ZodType<string | number | boolean> {
  switch (setting.type) {
    case 'string': {
      const text = z.string().min(setting.minLength).max(setting.maxLength);
      return setting.pattern === undefined ? text : text.regex(new RegExp(setting.pattern));
    }
    case 'password':
      // Empty means "none" or, when required, "generate one"; anything given must fit the bounds.
      return z.union([z.literal(''), z.string().min(Math.max(1, setting.minLength)).max(setting.maxLength)]);
    case 'integer':
      return z.number().int().min(setting.min).max(setting.max);
    case 'boolean':
      return z.boolean();
    case 'enum':
      return z.enum(setting.options);
  }
}

export type PasswordSetting = Extract<GameSetting, { type: 'password' }>;

/** The password settings GuildServer must fill in itself (required ones: a join or admin password). */
export function generatedPasswordSettings(game: { settings: readonly GameSetting[] }): PasswordSetting[] {
  return game.settings.filter((s): s is PasswordSetting => s.type === 'password' && s.required);
}
