// What Discord's client refuses before it sends a slash command: a value of the wrong type, a string shorter
// than the option's `min_length` or longer than its `max_length`, a number outside `min_value`/`max_value`, a
// value that is not one of the `choices`, a required option left out. The bot never sees such a command.
import {
  type APIApplicationCommandOption,
  type APIApplicationCommandOptionChoice,
  ApplicationCommandOptionType,
} from 'discord-api-types/v10';
import { len } from '../rules/limits.js';

/** A command Discord's client would not send; thrown by `invokeCommand` (the control surface answers 400). */
export class ClientRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientRefusal';
  }
}

const T = ApplicationCommandOptionType;
const SNOWFLAKE = /^\d{17,20}$/;

type Value = string | number | boolean;

/**
 * Checks one option's value against its registered definition. While the user is still typing (autocomplete)
 * a partial value is normal: only the type is checked then.
 */
export function checkOptionValue(
  def: APIApplicationCommandOption,
  value: Value,
  where: string,
  typing: boolean,
): void {
  const name = `${where}: ${def.name}`;
  switch (def.type) {
    case T.String: {
      if (typeof value !== 'string') throw new ClientRefusal(`${name} takes text, not ${typeof value}`);
      if (typing) return;
      if (value === '') throw new ClientRefusal(`${name} is empty; Discord sends no empty text`);
      const length = len(value);
      const min = 'min_length' in def ? def.min_length : undefined;
      const max = 'max_length' in def ? def.max_length : undefined;
      if ((min !== undefined && length < min) || (max !== undefined && length > max))
        throw new ClientRefusal(`${name} must be ${lengthRange(min, max)} long; got ${length}`);
      break;
    }
    case T.Integer:
    case T.Number: {
      const whole = def.type === T.Integer;
      if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isInteger(value)))
        throw new ClientRefusal(`${name} must be ${whole ? 'a whole number' : 'a number'}`);
      if (typing) return;
      const min = 'min_value' in def ? def.min_value : undefined;
      const max = 'max_value' in def ? def.max_value : undefined;
      if ((min !== undefined && value < min) || (max !== undefined && value > max))
        throw new ClientRefusal(`${name} must be ${valueRange(min, max)}; got ${value}`);
      break;
    }
    case T.Boolean:
      if (typeof value !== 'boolean') throw new ClientRefusal(`${name} must be true or false`);
      return;
    case T.User:
    case T.Channel:
    case T.Role:
    case T.Mentionable:
    case T.Attachment:
      if (typeof value !== 'string' || !SNOWFLAKE.test(value))
        throw new ClientRefusal(`${name} must be picked from Discord's list (an id)`);
      return;
    default:
      return;
  }
  const choices: readonly APIApplicationCommandOptionChoice[] =
    'choices' in def && Array.isArray(def.choices) ? def.choices : [];
  if (!typing && choices.length > 0 && !choices.some((c) => c.value === value))
    throw new ClientRefusal(
      `${where}: '${String(value)}' is not one of the choices of '${def.name}' (${choices.map((c) => c.name).join(', ')})`,
    );
}

function lengthRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max} characters`;
  return min !== undefined ? `at least ${min} characters` : `at most ${max} characters`;
}

function valueRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}
