// Which handler answers what: the one table the router reads. Data (commands/) stays apart from handlers.
import { type DeferMode, SERVER_SUBCOMMANDS, type ServerSubcommand } from '../command-definitions/server.js';
import type { CustomId } from '../core/custom-ids.js';
import { gameAutocomplete } from '../handlers/autocomplete/game.js';
import { serverNameAutocomplete } from '../handlers/autocomplete/server-name.js';
import { deleteButton } from '../handlers/buttons/delete.js';
import { listPageButton } from '../handlers/buttons/list-page.js';
import { serverButton } from '../handlers/buttons/server-action.js';
import { serverAction } from '../handlers/commands/actions.js';
import { createServer } from '../handlers/commands/create.js';
import { deleteServer } from '../handlers/commands/delete.js';
import { listServers } from '../handlers/commands/list.js';
import { serverStatus } from '../handlers/commands/status.js';
import { deleteModalSubmit } from '../handlers/modals/delete-name.js';
import type { AutocompleteHandler, ButtonHandler, CommandHandler, ModalHandler } from '../handlers/types.js';

export interface CommandRoute {
  handler: CommandHandler;
  defer: DeferMode;
}

const serverCommands: Record<ServerSubcommand, CommandHandler> = {
  create: createServer,
  start: serverAction('start'),
  stop: serverAction('stop'),
  restart: serverAction('restart'),
  delete: deleteServer,
  status: serverStatus,
  list: listServers,
};

/** `command` or `command subcommand` → handler and how it is deferred. */
export const COMMAND_ROUTES: ReadonlyMap<string, CommandRoute> = new Map(
  (Object.keys(serverCommands) as ServerSubcommand[]).map((sub) => [
    `server ${sub}`,
    { handler: serverCommands[sub], defer: SERVER_SUBCOMMANDS[sub].defer },
  ]),
);

/** `command option` → autocomplete (the same `name` option serves every subcommand). */
export const AUTOCOMPLETE_ROUTES: ReadonlyMap<string, AutocompleteHandler> = new Map([
  ['server game', gameAutocomplete],
  ['server name', serverNameAutocomplete],
]);

export interface ButtonRoute {
  handler: ButtonHandler;
  /** `update`: deferred as an update of the clicked message; `none`: the handler answers (a modal). */
  defer: (id: CustomId) => 'update' | 'none';
}

export const BUTTON_ROUTES: Partial<Record<CustomId['kind'], ButtonRoute>> = {
  server: { handler: serverButton as ButtonHandler, defer: () => 'update' },
  delete: {
    handler: deleteButton as ButtonHandler,
    defer: (id) => (id.kind === 'delete' && id.step === 'type' ? 'none' : 'update'),
  },
  list: { handler: listPageButton as ButtonHandler, defer: () => 'update' },
};

export const MODAL_ROUTES: Partial<Record<CustomId['kind'], ModalHandler>> = {
  'delete-modal': deleteModalSubmit as ModalHandler,
};
