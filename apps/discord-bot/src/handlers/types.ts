import type {
  ApplicationCommandOptionChoiceData,
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  ModalSubmitInteraction,
} from 'discord.js';
import type { CustomId } from '../core/custom-ids.js';
import type { Asker, BotServices } from '../core/services.js';
import type { MessageView } from '../rendering/views.js';

/** A handler's answer: the view the router puts in the deferred reply, or 'answered' when it did so itself. */
export type HandlerResult = MessageView | 'answered';

export type CommandHandler = (
  services: BotServices,
  asker: Asker,
  interaction: ChatInputCommandInteraction,
) => Promise<HandlerResult>;

export type AutocompleteChoice = ApplicationCommandOptionChoiceData<string>;

export interface AutocompleteHandler {
  /** Fresh choices (the router gives up on it after a deadline). */
  answer(
    services: BotServices,
    asker: Asker,
    typed: string,
    interaction: AutocompleteInteraction,
  ): Promise<AutocompleteChoice[]>;
  /** What to answer at the deadline: from the last list read, or nothing. */
  fallback(
    services: BotServices,
    asker: Asker,
    typed: string,
    interaction: AutocompleteInteraction,
  ): AutocompleteChoice[];
}

export type ButtonHandler<K extends CustomId['kind'] = CustomId['kind']> = (
  services: BotServices,
  asker: Asker,
  interaction: ButtonInteraction,
  id: Extract<CustomId, { kind: K }>,
) => Promise<HandlerResult>;

export type ModalHandler<K extends CustomId['kind'] = CustomId['kind']> = (
  services: BotServices,
  asker: Asker,
  interaction: ModalSubmitInteraction,
  id: Extract<CustomId, { kind: K }>,
) => Promise<HandlerResult>;
