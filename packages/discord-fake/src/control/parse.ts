// Slash-command text as a user types it in Discord's client (`/server create game:minecraft-java name:"my world"`)
// turned into the nested options of an invocation, using the registered command definitions: the words after
// the command name pick a subcommand group and subcommand, `name:value` pairs fill options (quotes allowed), and
// values are coerced to the option's type.
import {
  type APIApplicationCommand,
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
} from 'discord-api-types/v10';
import type { CommandOptionInput } from '../interactions/invoke.js';

export class SlashCommandSyntaxError extends Error {}

export interface ParsedSlashCommand {
  name: string;
  /** Discord's nested shape: `[{ name: 'create', options: [{ name: 'game', value: 'x' }] }]`. */
  options: CommandOptionInput[];
  /** Options whose definition asks for autocomplete, as paths into `options` (e.g. `['create', 'game']`). */
  autocomplete: string[][];
}

/** Splits on blanks, keeping "double" or 'single' quoted runs (with \" escapes) together; `key:"a b"` is one token. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) {
        current += text[++i];
      } else if (ch === quote) {
        quote = undefined;
      } else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new SlashCommandSyntaxError(`unclosed ${quote} quote`);
  if (inToken) tokens.push(current);
  return tokens;
}

const SUB = ApplicationCommandOptionType.Subcommand;
const GROUP = ApplicationCommandOptionType.SubcommandGroup;

type Nested = APIApplicationCommandOption & { options?: APIApplicationCommandOption[] };

/**
 * Parses `/name [group] [sub] key:value…` against `commands` (the chat-input commands registered where it is typed).
 * Without definitions (none registered), values stay strings and bare words are taken as subcommands.
 */
export function parseSlashCommand(
  text: string,
  commands: readonly APIApplicationCommand[],
): ParsedSlashCommand {
  const tokens = tokenize(text.trim());
  const head = tokens.shift();
  if (!head?.startsWith('/') || head.length < 2)
    throw new SlashCommandSyntaxError('a slash command starts with /, e.g. /server list');
  const name = head.slice(1).toLowerCase();
  const chatInput = commands.filter(
    (c) => c.type === undefined || c.type === ApplicationCommandType.ChatInput,
  );
  const command = chatInput.find((c) => c.name === name);
  if (!command && chatInput.length > 0)
    throw new SlashCommandSyntaxError(
      `there is no /${name}; the commands are ${chatInput.map((c) => `/${c.name}`).join(', ')}`,
    );

  const options: CommandOptionInput[] = [];
  const autocomplete: string[][] = [];
  let target = options;
  let defs = command?.options as Nested[] | undefined;
  const path: string[] = [];
  let where = `/${name}`;

  // Subcommand group, then subcommand: bare words before the first `key:value`.
  while (tokens.length > 0 && !tokens[0]!.includes(':')) {
    const word = tokens.shift()!.toLowerCase();
    const nestedDefs = defs?.filter((d) => d.type === SUB || d.type === GROUP);
    if (defs && !nestedDefs?.length)
      throw new SlashCommandSyntaxError(`${where} takes no subcommand '${word}'`);
    const def = nestedDefs?.find((d) => d.name === word);
    if (defs && !def)
      throw new SlashCommandSyntaxError(
        `${where} has no subcommand '${word}'; try ${nestedDefs!.map((d) => d.name).join(', ')}`,
      );
    const node: CommandOptionInput = { name: word, options: [] };
    if (def) node.type = def.type;
    target.push(node);
    target = node.options!;
    defs = def ? (def.options ?? []) : undefined;
    path.push(word);
    where += ` ${word}`;
  }
  if (defs?.some((d) => d.type === SUB || d.type === GROUP))
    throw new SlashCommandSyntaxError(
      `${where} needs a subcommand: ${defs
        .filter((d) => d.type === SUB || d.type === GROUP)
        .map((d) => d.name)
        .join(', ')}`,
    );

  for (const token of tokens) {
    const colon = token.indexOf(':');
    if (colon <= 0)
      throw new SlashCommandSyntaxError(
        `'${token}' is not an option; write name:value (quote values with spaces)`,
      );
    const key = token.slice(0, colon).toLowerCase();
    const raw = token.slice(colon + 1);
    const def = defs?.find((d) => d.name === key);
    if (defs && !def)
      throw new SlashCommandSyntaxError(
        `${where} has no option '${key}'${defs.length ? `; its options are ${defs.map((d) => d.name).join(', ')}` : ''}`,
      );
    if (target.some((o) => o.name === key))
      throw new SlashCommandSyntaxError(`option '${key}' is given twice`);
    const value = def ? coerce(raw, def, where) : raw;
    const option: CommandOptionInput = { name: key, value };
    if (def) option.type = def.type;
    target.push(option);
    if (def && 'autocomplete' in def && def.autocomplete) autocomplete.push([...path, key]);
  }
  for (const d of defs ?? [])
    if ('required' in d && d.required && !target.some((o) => o.name === d.name))
      throw new SlashCommandSyntaxError(`${where} needs ${d.name}:<${d.description || 'value'}>`);
  return { name, options, autocomplete };
}

function coerce(raw: string, def: APIApplicationCommandOption, where: string): string | number | boolean {
  const T = ApplicationCommandOptionType;
  switch (def.type) {
    case T.Integer:
    case T.Number: {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (def.type === T.Integer && !Number.isInteger(n)))
        throw new SlashCommandSyntaxError(
          `${where}: ${def.name} must be ${def.type === T.Integer ? 'a whole number' : 'a number'}`,
        );
      return n;
    }
    case T.Boolean:
      if (/^(true|yes)$/i.test(raw)) return true;
      if (/^(false|no)$/i.test(raw)) return false;
      throw new SlashCommandSyntaxError(`${where}: ${def.name} must be true or false`);
    case T.User:
    case T.Channel:
    case T.Role:
    case T.Mentionable:
      // <@123>, <#123>, <@&123> or a bare id.
      return raw.replace(/^<[@#]&?!?(\d+)>$/, '$1');
    default: {
      const choices = 'choices' in def && Array.isArray(def.choices) ? def.choices : [];
      const choice = choices.find(
        (c) => String(c.value) === raw || c.name.toLowerCase() === raw.toLowerCase(),
      );
      return choice ? choice.value : raw;
    }
  }
}

/** The option at `path` in nested options (for filling in an autocomplete pick). */
export function optionAt(
  options: CommandOptionInput[],
  path: readonly string[],
): CommandOptionInput | undefined {
  let list = options;
  let found: CommandOptionInput | undefined;
  for (const name of path) {
    found = list.find((o) => o.name === name);
    if (!found) return undefined;
    list = found.options ?? [];
  }
  return found;
}
