// Application command definitions as Discord checks them on registration.
import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord-api-types/v10';
import type { FormErrors } from '../errors.js';
import { badLength, CHAT_INPUT_NAME, isRecord, LIMITS, len, maxLength, type Path } from './limits.js';

export function checkCommandList(commands: unknown, errors: FormErrors): void {
  if (!Array.isArray(commands)) return;
  const names = new Set<string>();
  commands.forEach((command, i) => {
    if (!isRecord(command)) return;
    checkCommand(command, errors, [i]);
    const key = `${command.type ?? 1}:${String(command.name)}`;
    if (names.has(key))
      errors.add(
        [i, 'name'],
        'APPLICATION_COMMANDS_DUPLICATE_NAME',
        'Application command names must be unique',
      );
    names.add(key);
  });
}

export function checkCommand(command: Record<string, unknown>, errors: FormErrors, at: Path): void {
  const type = command.type ?? ApplicationCommandType.ChatInput;
  const name = command.name;
  if (type === ApplicationCommandType.ChatInput) {
    checkName(name, errors, [...at, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    checkDescription(command.description, errors, [...at, 'description']);
    checkOptions(command.options, errors, [...at, 'options'], 0);
  } else {
    if (typeof name !== 'string' || len(name) < 1 || len(name) > LIMITS.commandName)
      errors.add([...at, 'name'], badLength(1, 32).code, badLength(1, 32).message);
    if (typeof command.description === 'string' && command.description !== '')
      errors.add(
        [...at, 'description'],
        'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID',
        'Context menu commands cannot have description',
      );
  }
}

function checkName(name: unknown, errors: FormErrors, at: Path, code: string, message: string): void {
  if (typeof name !== 'string' || !CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase())
    errors.add(at, code, message);
}

function checkDescription(description: unknown, errors: FormErrors, at: Path): void {
  if (typeof description !== 'string' || len(description) < 1 || len(description) > LIMITS.commandDescription)
    errors.add(
      at,
      badLength(1, LIMITS.commandDescription).code,
      badLength(1, LIMITS.commandDescription).message,
    );
}

const SUB = ApplicationCommandOptionType.Subcommand;
const GROUP = ApplicationCommandOptionType.SubcommandGroup;

function checkOptions(options: unknown, errors: FormErrors, at: Path, depth: number): void {
  if (!Array.isArray(options)) return;
  if (options.length > LIMITS.options)
    errors.add(at, maxLength(LIMITS.options).code, maxLength(LIMITS.options).message);
  const names = new Set<string>();
  let sawOptional = false;
  options.forEach((option, i) => {
    if (!isRecord(option)) return;
    const path = [...at, i];
    checkName(
      option.name,
      errors,
      [...path, 'name'],
      'APPLICATION_COMMAND_OPTION_INVALID_NAME',
      'Option name is invalid',
    );
    checkDescription(option.description, errors, [...path, 'description']);
    if (typeof option.name === 'string') {
      if (names.has(option.name))
        errors.add(
          [...path, 'name'],
          'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
          'Option names must be unique within a command',
        );
      names.add(option.name);
    }
    const type = option.type;
    if (type === SUB || type === GROUP) {
      if (depth > 1 || (type === GROUP && depth > 0))
        errors.add(
          [...path, 'type'],
          'APPLICATION_COMMAND_OPTION_TYPE_INVALID',
          'Sub-command nesting is too deep',
        );
      if (type === GROUP && Array.isArray(option.options))
        option.options.forEach((o, j) => {
          if (isRecord(o) && o.type !== SUB)
            errors.add(
              [...path, 'options', j, 'type'],
              'APPLICATION_COMMAND_OPTION_TYPE_INVALID',
              'Sub-command groups may only contain sub-commands',
            );
        });
      checkOptions(option.options, errors, [...path, 'options'], depth + 1);
      return;
    }
    if (option.required === true && sawOptional)
      errors.add(
        [...path, 'required'],
        'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
        'Required options must be placed before non-required options',
      );
    if (option.required !== true) sawOptional = true;
    if (Array.isArray(option.choices)) {
      if (option.autocomplete === true)
        errors.add(
          [...path, 'autocomplete'],
          'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES',
          'Autocomplete cannot be set on options with choices',
        );
      checkChoices(option.choices, errors, [...path, 'choices']);
    }
  });
}

export function checkChoices(choices: unknown[], errors: FormErrors, at: Path): void {
  if (choices.length > LIMITS.choices)
    errors.add(at, maxLength(LIMITS.choices).code, maxLength(LIMITS.choices).message);
  choices.forEach((choice, i) => {
    if (!isRecord(choice)) return;
    if (typeof choice.name !== 'string' || len(choice.name) < 1 || len(choice.name) > LIMITS.choiceName)
      errors.add(
        [...at, i, 'name'],
        badLength(1, LIMITS.choiceName).code,
        badLength(1, LIMITS.choiceName).message,
      );
    if (typeof choice.value === 'string' && len(choice.value) > LIMITS.choiceValue)
      errors.add(
        [...at, i, 'value'],
        maxLength(LIMITS.choiceValue).code,
        maxLength(LIMITS.choiceValue).message,
      );
  });
}
