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
import type { Metrics } from '../metrics.js';
import { sentenceFor } from '../rendering/sentences.js';
import { plainView } from '../rendering/views.js';
import { askerOf, type BotServices } from './context.js';
import { decodeCustomId } from './custom-ids.js';
import { AUTOCOMPLETE_ROUTES, BUTTON_ROUTES, COMMAND_ROUTES, MODAL_ROUTES } from './routes.js';

/** Autocomplete answers with what it has by then (Discord allows 3 s from the interaction). */
export const AUTOCOMPLETE_DEADLINE_MS = 2_000;

const STALE_COMPONENT = 'This button belongs to an older version of the bot; run the command again.';

export function createRouter(services: BotServices, metrics: Metrics) {
  const { logger } = services;

  function isExpected(error: unknown): boolean {
    return error instanceof Error && (error.name === 'ApiError' || error.name === 'BotError');
  }

  function logFailure(route: string, error: unknown) {
    const code = (error as { code?: unknown }).code;
    if (isExpected(error)) logger.info({ route, code, msg: (error as Error).message }, 'interaction refused');
    else logger.error({ route, err: error }, 'interaction failed');
  }

  async function command(interaction: ChatInputCommandInteraction, receivedAt: number) {
    const sub = interaction.options.getSubcommand(false);
    const route = sub ? `${interaction.commandName} ${sub}` : interaction.commandName;
    const entry = COMMAND_ROUTES.get(route);
    await interaction.deferReply(entry?.defer === 'public' ? {} : { flags: MessageFlags.Ephemeral });
    metrics.deferred(route, services.now() - receivedAt);
    try {
      if (!entry) throw new Error(`no handler for ${route}`);
      const asker = askerOf(interaction, services, receivedAt);
      const result = await entry.handler(services, asker, interaction);
      if (result !== 'answered') await interaction.editReply({ ...result, allowedMentions: { parse: [] } });
      metrics.finished(route, 'ok', services.now() - receivedAt);
    } catch (error) {
      logFailure(route, error);
      metrics.finished(route, isExpected(error) ? 'refused' : 'error', services.now() - receivedAt);
      await interaction.editReply(plainView(sentenceFor(error)));
    }
  }

  async function autocomplete(interaction: AutocompleteInteraction, receivedAt: number) {
    const focused = interaction.options.getFocused(true);
    const route = `${interaction.commandName} ${focused.name}`;
    const handler = AUTOCOMPLETE_ROUTES.get(route);
    if (!handler) return interaction.respond([]);
    const asker = askerOf(interaction, services, receivedAt);
    const typed = String(focused.value ?? '');
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
    const outcome = first === 'late' ? 'late' : first === 'failed' ? 'failed' : 'ok';
    const choices = Array.isArray(first) ? first : handler.fallback(services, asker, typed);
    await interaction.respond(choices.slice(0, 25));
    metrics.finished(`autocomplete ${route}`, outcome, services.now() - receivedAt);
  }

  async function button(interaction: ButtonInteraction, receivedAt: number) {
    const id = decodeCustomId(interaction.customId);
    const route = id ? BUTTON_ROUTES[id.kind] : undefined;
    if (!id || !route) {
      await interaction.reply({ content: STALE_COMPONENT, flags: MessageFlags.Ephemeral });
      return;
    }
    const name = `button ${id.kind}`;
    const defer = route.defer(id);
    if (defer === 'update') await interaction.deferUpdate();
    metrics.deferred(name, services.now() - receivedAt);
    try {
      const asker = askerOf(interaction, services, receivedAt);
      const result = await route.handler(services, asker, interaction, id);
      if (result !== 'answered') await interaction.editReply({ ...result, allowedMentions: { parse: [] } });
      metrics.finished(name, 'ok', services.now() - receivedAt);
    } catch (error) {
      logFailure(name, error);
      metrics.finished(name, isExpected(error) ? 'refused' : 'error', services.now() - receivedAt);
      const sentence = sentenceFor(error);
      if (interaction.deferred || interaction.replied) {
        await interaction.followUp({ content: sentence, flags: MessageFlags.Ephemeral });
      } else {
        await interaction.reply({ content: sentence, flags: MessageFlags.Ephemeral });
      }
    }
  }

  async function modal(interaction: ModalSubmitInteraction, receivedAt: number) {
    const id = decodeCustomId(interaction.customId);
    const handler = id ? MODAL_ROUTES[id.kind] : undefined;
    if (!id || !handler) {
      await interaction.reply({ content: STALE_COMPONENT, flags: MessageFlags.Ephemeral });
      return;
    }
    const name = `modal ${id.kind}`;
    const fromMessage = interaction.isFromMessage();
    if (fromMessage) await interaction.deferUpdate();
    else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    metrics.deferred(name, services.now() - receivedAt);
    try {
      const asker = askerOf(interaction, services, receivedAt);
      const result = await handler(services, asker, interaction, id);
      if (result !== 'answered') await interaction.editReply({ ...result, allowedMentions: { parse: [] } });
      metrics.finished(name, 'ok', services.now() - receivedAt);
    } catch (error) {
      logFailure(name, error);
      metrics.finished(name, isExpected(error) ? 'refused' : 'error', services.now() - receivedAt);
      const view = plainView(sentenceFor(error));
      if (fromMessage) await interaction.followUp({ content: view.content, flags: MessageFlags.Ephemeral });
      else await interaction.editReply(view);
    }
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
