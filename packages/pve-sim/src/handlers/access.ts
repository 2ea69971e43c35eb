import { sleep } from '@guildserver/timing';
import type { Credentials } from '../auth/credentials.js';
import { PveHttpError } from '../errors.js';
import { type Handler, str } from './context.js';

/** POST /access/ticket — username/password for a ticket cookie and a CSRF token. */
export function createTicketHandler(credentials: Credentials, failureDelayMs: number): Handler {
  return async ({ params }) => {
    const username = str(params, 'username')!;
    const issued = credentials.issueTicket(username, str(params, 'password') ?? '');
    if (!issued) {
      await sleep(failureDelayMs);
      throw new PveHttpError(401, 'authentication failure');
    }
    return { username, ticket: issued.ticket, CSRFPreventionToken: issued.csrf, cap: {} };
  };
}
