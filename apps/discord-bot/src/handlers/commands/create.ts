import { normaliseName, parseSize } from '../../command-definitions/options.js';
import { originOf } from '../start-job.js';
import type { CommandHandler } from '../types.js';

/** /server create game name [size]: queues the create; the progress message follows the steps. */
export const createServer: CommandHandler = async (services, asker, interaction) => {
  const typedGame = interaction.options.getString('game', true).trim();
  const name = normaliseName(interaction.options.getString('name', true));
  const sizeText = interaction.options.getString('size');
  const size = sizeText ? parseSize(sizeText) : undefined;
  // A game typed by its display name rather than picked is matched against the catalog.
  const games = await services.catalog.list().catch(() => undefined);
  const game =
    games?.find((g) => g.id === typedGame || g.name.toLowerCase() === typedGame.toLowerCase())?.id ??
    typedGame;
  await services.notices.startJob(
    () =>
      services.api.createServer(
        {
          game,
          name,
          guildId: asker.guildId,
          ownerId: asker.userId,
          channelId: asker.channelId,
          ...(size ? { size } : {}),
        },
        { acting: asker.acting, idempotencyKey: `discord-${interaction.id}` },
      ),
    originOf(services, asker, interaction, 'command'),
    'create',
  );
  return 'answered';
};
