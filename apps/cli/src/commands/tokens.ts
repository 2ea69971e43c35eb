import type { TokenSummary } from '@guildserver/api-client';
import { TOKEN_SCOPES, type TokenScope } from '@guildserver/contracts';
import { CliError } from '../errors.js';
import { type CommandContext, printJson, say, table } from './context.js';
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

const tokenState = (t: TokenSummary) => (t.revokedAt ? `revoked ${t.revokedAt}` : 'active');

/** `gs token list`: every token's id, name, scopes and whether it is revoked (never the tokens themselves). */
export async function listTokens(ctx: CommandContext, options: JsonOption): Promise<number> {
  const tokens = await ctx.api().listTokens();
  if (options.json) {
    printJson(ctx, { tokens });
    return 0;
  }
  const rows = [['ID', 'NAME', 'SCOPES', 'CREATED', 'STATE']];
  for (const t of tokens) rows.push([t.id, t.name, t.scopes.join(','), t.createdAt, tokenState(t)]);
  say(ctx, table(rows));
  return 0;
}

/** `gs token revoke <id>`: the token stops working at once. */
export async function revokeToken(ctx: CommandContext, id: string, options: JsonOption): Promise<number> {
  const revoked = await ctx.api().revokeToken(id);
  if (options.json) printJson(ctx, revoked);
  else say(ctx, `Token ${revoked.id} '${revoked.name}' (${revoked.scopes.join(',')}) is revoked.`);
  return 0;
}
