export {
  optionAt,
  type ParsedSlashCommand,
  parseSlashCommand,
  SlashCommandSyntaxError,
  tokenize,
} from './parse.js';
export {
  CONTROL_PREFIX,
  type ControlMessage,
  type ControlResult,
  createControlHandler,
  type FakeControlOptions,
  pickChoice,
} from './server.js';
