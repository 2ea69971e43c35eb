import { TOKEN_SCOPES, type TokenScope } from '@guildserver/contracts';
import { CliError } from '../errors.js';
import { type CommandContext, printJson, say } from './context.js';
import type { JsonOption } from './servers.js';

export function parseScopes(text: string): TokenScope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const wrong = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || wrong.length > 0) {
    throw new CliError(
      `--scope must be one or more of ${TOKEN_SCOPES.join(', ')}, comma-separated.`,
      'invalid_request',
    );
  }
  return scopes as TokenScope[];
}

/** `gs token create`: POST /v1/tokens (needs an admin token); prints the new token, shown only this once. */
export async function createToken(
  ctx: CommandContext,
  options: JsonOption & { name: string; scope: string },
): Promise<number> {
  const created = await ctx.api().createToken(options.name, parseScopes(options.scope));
  if (options.json) {
    printJson(ctx, created);
    return 0;
  }
  say(ctx, created.token);
  ctx.err(
    `token${created.id ? ` ${created.id}` : ''} '${options.name}' (${options.scope}) created; it is shown only this once.`,
  );
  return 0;
}
