// Interaction callback bodies: which callback types fit which interaction, autocomplete choices, modals.
import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import type { FormErrors } from '../errors.js';
import { checkChoices } from './command-rules.js';
import { badLength, isRecord, LIMITS, len, required } from './limits.js';
import { checkMessageBody } from './message-rules.js';

const ALLOWED: Record<number, readonly number[]> = {
  [InteractionType.ApplicationCommand]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.Modal,
  ],
  [InteractionType.MessageComponent]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
    InteractionResponseType.Modal,
  ],
  [InteractionType.ApplicationCommandAutocomplete]: [
    InteractionResponseType.ApplicationCommandAutocompleteResult,
  ],
  [InteractionType.ModalSubmit]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
  ],
};

export function checkCallbackBody(
  body: unknown,
  interactionType: InteractionType,
  fromMessage: boolean,
  errors: FormErrors,
): void {
  if (!isRecord(body)) return;
  const type = body.type;
  const allowed = ALLOWED[interactionType] ?? [];
  const updatesMessage =
    type === InteractionResponseType.DeferredMessageUpdate || type === InteractionResponseType.UpdateMessage;
  if (typeof type !== 'number' || !allowed.includes(type) || (updatesMessage && !fromMessage)) {
    errors.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', 'Invalid interaction response type');
    return;
  }
  const data = body.data;
  switch (type) {
    case InteractionResponseType.ApplicationCommandAutocompleteResult:
      if (!isRecord(data) || !Array.isArray(data.choices))
        errors.add(['data', 'choices'], required().code, required().message);
      else checkChoices(data.choices, errors, ['data', 'choices']);
      return;
    case InteractionResponseType.Modal: {
      if (!isRecord(data)) {
        errors.add(['data'], required().code, required().message);
        return;
      }
      if (
        typeof data.custom_id !== 'string' ||
        len(data.custom_id) < 1 ||
        len(data.custom_id) > LIMITS.customId
      )
        errors.add(
          ['data', 'custom_id'],
          badLength(1, LIMITS.customId).code,
          badLength(1, LIMITS.customId).message,
        );
      if (typeof data.title !== 'string' || len(data.title) < 1 || len(data.title) > LIMITS.modalTitle)
        errors.add(
          ['data', 'title'],
          badLength(1, LIMITS.modalTitle).code,
          badLength(1, LIMITS.modalTitle).message,
        );
      const components = Array.isArray(data.components) ? data.components : [];
      if (components.length < 1 || components.length > LIMITS.modalComponents)
        errors.add(
          ['data', 'components'],
          badLength(1, LIMITS.modalComponents).code,
          badLength(1, LIMITS.modalComponents).message,
        );
      return;
    }
    default:
      checkMessageBody(data, errors, ['data']);
  }
}
