import { listPage } from '../commands/list.js';
import type { ButtonHandler } from '../types.js';

/** Previous/Next on a list: the page is read again, so it shows what is there now. */
export const listPageButton: ButtonHandler<'list'> = (services, asker, _interaction, id) =>
  listPage(services, asker, id.scope, id.page);
