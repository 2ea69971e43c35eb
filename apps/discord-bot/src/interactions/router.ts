// The one router for slash commands, autocomplete, buttons and modals. Every command, button and modal is
// deferred here first — before any API call — so Discord's 3 s deadline never depends on the API; autocomplete
// cannot be deferred, so it races the API against a deadline and falls back to the last list it read.
import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  type ModalSubmitInteraction,
} from 'discord.js';
import { decodeCustomId } from '../core/custom-ids.js';
import type { BotServices } from '../core/services.js';
import type { HandlerResult } from '../handlers/types.js';
import type { Metrics } from '../metrics.js';
import { plainView } from '../rendering/views.js';
import { createAnswer } from './answer.js';
import { AUTOCOMPLETE_ROUTES, BUTTON_ROUTES, COMMAND_ROUTES, MODAL_ROUTES } from './routes.js';

/** Autocomplete answers with what it has by then (Discord allows 3 s from the interaction). */
export const AUTOCOMPLETE_DEADLINE_MS = 2_000;

const STALE_COMPONENT = 'This button belongs to an older version of the bot; run the command again.';

type Deferred = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/** Puts the handler's view in the deferred reply, unless the handler answered itself. */
async function show(interaction: Deferred, result: HandlerResult): Promise<'ok'> {
  if (result !== 'answered') await interaction.editReply({ ...result, allowedMentions: { parse: [] } });
  return 'ok';
}

export function createRouter(services: BotServices, metrics: Metrics) {
  const { logger } = services;
  const answer = createAnswer(services, metrics);

  async function command(interaction: ChatInputCommandInteraction, receivedAt: number) {
    const { options } = interaction;
    const route = [interaction.commandName, options.getSubcommandGroup(false), options.getSubcommand(false)]
      .filter((part) => part)
      .join(' ');
    const entry = COMMAND_ROUTES.get(route);
    await answer(interaction, receivedAt, {
      route,
      defer: () => interaction.deferReply(entry?.defer === 'public' ? {} : { flags: MessageFlags.Ephemeral }),
      run: async (asker) => {
        if (!entry) throw new Error(`no handler for ${route}`);
        return show(interaction, await entry.handler(services, asker, interaction));
      },
      fail: (sentence) => interaction.editReply(plainView(sentence)),
      wording: entry?.wording,
    });
  }

  async function autocomplete(interaction: AutocompleteInteraction, receivedAt: number) {
    const focused = interaction.options.getFocused(true);
    const route = `${interaction.commandName} ${focused.name}`;
    const handler = AUTOCOMPLETE_ROUTES.get(route);
    if (!handler) return interaction.respond([]);
    const typed = String(focused.value ?? '');
    await answer(interaction, receivedAt, {
      route: `autocomplete ${route}`,
      run: async (asker) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), AUTOCOMPLETE_DEADLINE_MS);
        });
        const fresh = handler.answer(services, asker, typed, interaction).catch((error: unknown) => {
          logger.warn({ route, err: error }, 'autocomplete read failed; answering from cache');
          return 'failed' as const;
        });
        const first = await Promise.race([fresh, deadline]);
        clearTimeout(timer);
        const choices = Array.isArray(first) ? first : handler.fallback(services, asker, typed, interaction);
        await interaction.respond(choices.slice(0, 25));
        return first === 'late' ? 'late' : first === 'failed' ? 'failed' : 'ok';
      },
      // Without an asker there is nothing to offer; Discord shows its own "loading options failed".
      fail: async () => undefined,
    });
  }

  async function button(interaction: ButtonInteraction, receivedAt: number) {
    const id = decodeCustomId(interaction.customId);
    const route = id ? BUTTON_ROUTES[id.kind] : undefined;
    if (!id || !route) {
      await interaction.reply({ content: STALE_COMPONENT, flags: MessageFlags.Ephemeral });
      return;
    }
    await answer(interaction, receivedAt, {
      route: `button ${id.kind}`,
      defer: async () => {
        if (route.defer(id) === 'update') await interaction.deferUpdate();
      },
      run: async (asker) => show(interaction, await route.handler(services, asker, interaction, id)),
      fail: (sentence) =>
        interaction.deferred || interaction.replied
          ? interaction.followUp({ content: sentence, flags: MessageFlags.Ephemeral })
          : interaction.reply({ content: sentence, flags: MessageFlags.Ephemeral }),
      wording: route.wording,
    });
  }

  async function modal(interaction: ModalSubmitInteraction, receivedAt: number) {
    const id = decodeCustomId(interaction.customId);
    const handler = id ? MODAL_ROUTES[id.kind] : undefined;
    if (!id || !handler) {
      await interaction.reply({ content: STALE_COMPONENT, flags: MessageFlags.Ephemeral });
      return;
    }
    const fromMessage = interaction.isFromMessage();
    await answer(interaction, receivedAt, {
      route: `modal ${id.kind}`,
      defer: () =>
        fromMessage ? interaction.deferUpdate() : interaction.deferReply({ flags: MessageFlags.Ephemeral }),
      run: async (asker) => show(interaction, await handler(services, asker, interaction, id)),
      fail: (sentence) =>
        fromMessage
          ? interaction.followUp({ content: plainView(sentence).content, flags: MessageFlags.Ephemeral })
          : interaction.editReply(plainView(sentence)),
    });
  }

  /** Entry point for `interactionCreate`; never throws. */
  return async function route(interaction: Interaction): Promise<void> {
    const receivedAt = services.now();
    try {
      if (interaction.isChatInputCommand()) await command(interaction, receivedAt);
      else if (interaction.isAutocomplete()) await autocomplete(interaction, receivedAt);
      else if (interaction.isButton()) await button(interaction, receivedAt);
      else if (interaction.isModalSubmit()) await modal(interaction, receivedAt);
    } catch (error) {
      // Answering itself failed (token dead, Discord down): nothing more can be said to this user.
      logger.error({ err: error, interactionId: interaction.id }, 'could not answer the interaction');
    }
  };
}
