// `gs discord say|click|submit|messages`: typing into the local stack's fake Discord as a user would, and
// printing what that user sees. For commands that start a job, it follows the message's progress edits until
// the final state (the join address, or why it failed).
import type { ControlMessage, ControlResult } from '@guildserver/discord-fake';
import { sleep } from '@guildserver/timing';
import { DEFAULT_STATE_FILE } from '../config.js';
import { CliError } from '../errors.js';
import { painter } from '../progress/renderers.js';
import { readStackState } from '../stack/state-file.js';
import { type CommandContext, printJson, say } from './context.js';
import { answerOf, snapshotOf, type VisibleMessages } from './discord-answer.js';

// The control surface's own shapes: what a user sees, as the fake Discord reports it.
type MessageView = ControlMessage;
type SayResult = ControlResult;

export interface DiscordOptions {
  as?: string;
  json?: boolean;
  /** Follow progress edits (default true). */
  follow?: boolean;
  timeout?: number;
}

/** The fake Discord's control surface, and who types when --as does not say (its admin user, demo). */
interface Control {
  base: string;
  defaultUser?: string;
}

function control(ctx: CommandContext): Control {
  const file = ctx.env.stateFile ?? DEFAULT_STATE_FILE;
  const state = readStackState(file);
  if (!state)
    throw new CliError(
      `There is no local stack (${file}): start one with \`bash scripts/start.sh\` (without DISCORD_TOKEN).`,
      'no_stack',
    );
  if (state.discord?.mode !== 'fake' || !state.discord.controlUrl)
    throw new CliError(
      state.discord?.mode === 'discord'
        ? 'The local stack runs against the real Discord (DISCORD_TOKEN is set): type the commands in Discord.'
        : 'The local stack runs no fake Discord: restart it with `bash scripts/start.sh` without DISCORD_TOKEN.',
      'no_fake_discord',
    );
  if (!state.pid)
    throw new CliError(
      `The local stack in ${file} is stopped: start it with \`bash scripts/start.sh\`.`,
      'no_stack',
    );
  return { base: state.discord.controlUrl, defaultUser: state.discord.users?.[0] };
}

/** What the user typing sees: one message, and the channel with their ephemeral messages. */
function visibleTo(base: string, user: string | undefined): VisibleMessages {
  return {
    message: (id) =>
      call<MessageView>(`${base}/messages/${id}`, 'GET').catch((error: unknown) => {
        if (error instanceof CliError && /does not exist/.test(error.message)) return undefined;
        throw error;
      }),
    channel: async () =>
      (
        await call<{ messages: MessageView[] }>(
          `${base}/messages${user ? `?${new URLSearchParams({ user })}` : ''}`,
          'GET',
        )
      ).messages,
  };
}

/** How long a click or a form may wait for the bot's deferred answer before showing the message as it is. */
const ANSWER_WAIT_MS = 30_000;

/** Runs `act` (a click or a form), then waits for the bot's answer to it; see discord-answer.ts. */
async function answered(
  ctx: CommandContext,
  { base, defaultUser }: Control,
  options: DiscordOptions,
  sourceMessageId: string | undefined,
  act: () => Promise<SayResult>,
): Promise<SayResult> {
  const visible = visibleTo(base, options.as ?? defaultUser);
  const seen = await visible.channel();
  const source = sourceMessageId ? await visible.message(sourceMessageId) : undefined;
  const before = snapshotOf(source ? [...seen, source] : seen);
  const done = await answerOf(await act(), before, visible, ANSWER_WAIT_MS);
  if (!done.answered && !options.json)
    ctx.err(
      `(the bot has not answered within ${ANSWER_WAIT_MS / 1000} s; this is the message as it still is — see it later with pnpm discord messages)`,
    );
  return done.result;
}

async function call<T>(url: string, method: 'GET' | 'POST', body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new CliError(
      `The fake Discord does not answer at ${url}: is the local stack (bash scripts/start.sh) still running?`,
      'no_stack',
    );
  }
  const value = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) {
    const why = value.error?.message ?? `HTTP ${response.status}`;
    throw new CliError(`Discord would not send that: ${why.replace(/\.?$/, '.')}`, 'discord_refused');
  }
  return value;
}

/** Plain text of what a user sees: content, embeds, buttons with their custom ids. */
export function renderMessage(m: MessageView, color = false): string {
  const paint = painter(color);
  const lines: string[] = [];
  const tags = [
    m.ephemeral ? 'only you can see this' : undefined,
    m.loading ? 'thinking…' : undefined,
  ].filter(Boolean);
  lines.push(paint.dim(`── message ${m.id}${tags.length ? ` (${tags.join(', ')})` : ''}`));
  if (m.loading && !m.content && m.embeds.length === 0) lines.push('GuildServer is thinking…');
  if (m.content) lines.push(m.content);
  for (const e of m.embeds) {
    if (e.title) lines.push(paint.bold(`┃ ${e.title}`));
    if (e.description) for (const line of e.description.split('\n')) lines.push(`┃ ${line}`);
    for (const f of e.fields) lines.push(`┃ ${paint.bold(f.name)}: ${f.value}`);
    if (e.footer) lines.push(paint.dim(`┃ ${e.footer}`));
  }
  if (m.buttons.length > 0) {
    lines.push('Buttons:');
    for (const b of m.buttons)
      lines.push(
        `  [${b.label ?? '?'}]${b.disabled ? ' (disabled)' : ''}  ${b.url ? b.url : (b.customId ?? '')}`,
      );
  }
  return lines.join('\n');
}

/** Still working: a "thinking…" reply or a progress embed whose title ends with "…". */
const inProgress = (m: MessageView) => m.loading || m.embeds.some((e) => e.title?.trimEnd().endsWith('…'));

async function show(ctx: CommandContext, base: string, result: SayResult, options: DiscordOptions) {
  const color = ctx.out.color;
  if (result.modal) {
    if (options.json) return printJson(ctx, result);
    say(ctx, `A form opened: "${result.modal.title}" (modal ${result.modal.customId})`);
    for (const input of result.modal.inputs)
      say(ctx, `  ${input.label}${input.required ? ' (required)' : ''}  field: ${input.customId}`);
    say(
      ctx,
      `Fill it in with: pnpm discord submit ${result.modal.customId} ${result.modal.inputs.map((i) => `${i.customId}=<value>`).join(' ')}`,
    );
    return;
  }
  const first = result.message;
  if (!first) {
    if (options.json) return printJson(ctx, result);
    if (result.followUps.length === 0) say(ctx, '(the bot answered without a message)');
    for (const f of result.followUps) say(ctx, renderMessage(f, color));
    return;
  }
  let message: MessageView = first;
  if (!options.json) {
    say(ctx, renderMessage(message, color));
    for (const f of result.followUps) say(ctx, renderMessage(f, color));
  }
  if (options.follow !== false && inProgress(message)) {
    const until = Date.now() + (options.timeout ?? 600) * 1000;
    let last = JSON.stringify(message);
    while (inProgress(message) && Date.now() < until) {
      await sleep(500);
      const next = await call<MessageView>(`${base}/messages/${message.id}`, 'GET');
      const text = JSON.stringify(next);
      if (text !== last) {
        last = text;
        message = next;
        if (!options.json) say(ctx, renderMessage(message, color));
      }
    }
    if (inProgress(message) && !options.json)
      say(
        ctx,
        painter(color).dim(
          `(still in progress after ${options.timeout ?? 600} s; see it with pnpm discord messages)`,
        ),
      );
  }
  if (options.json) printJson(ctx, { ...result, message });
}

export async function discordSay(
  ctx: CommandContext,
  text: string,
  options: DiscordOptions,
): Promise<number> {
  const { base } = control(ctx);
  const result = await call<SayResult>(`${base}/say`, 'POST', {
    text,
    ...(options.as ? { user: options.as } : {}),
  });
  if (!options.json) say(ctx, painter(ctx.out.color).dim(`${result.user.username} typed: ${text}`));
  await show(ctx, base, result, options);
  return 0;
}

export async function discordClick(
  ctx: CommandContext,
  messageId: string,
  customId: string,
  options: DiscordOptions,
): Promise<number> {
  const where = control(ctx);
  const { base } = where;
  const result = await answered(ctx, where, options, messageId, () =>
    call<SayResult>(`${base}/click`, 'POST', {
      messageId,
      customId,
      ...(options.as ? { user: options.as } : {}),
    }),
  );
  if (!options.json) say(ctx, painter(ctx.out.color).dim(`${result.user.username} clicked ${customId}`));
  await show(ctx, base, result, options);
  return 0;
}

export async function discordSubmit(
  ctx: CommandContext,
  customId: string,
  fields: string[],
  options: DiscordOptions,
): Promise<number> {
  const where = control(ctx);
  const { base } = where;
  const values: Record<string, string> = {};
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError(`'${f}' is not field=value.`, 'usage');
    values[f.slice(0, eq)] = f.slice(eq + 1);
  }
  const result = await answered(ctx, where, options, undefined, () =>
    call<SayResult>(`${base}/submit`, 'POST', {
      customId,
      fields: values,
      ...(options.as ? { user: options.as } : {}),
    }),
  );
  await show(ctx, base, result, options);
  return 0;
}

export async function discordMessages(ctx: CommandContext, options: DiscordOptions & { dm?: boolean }) {
  const { base } = control(ctx);
  const query = new URLSearchParams();
  if (options.as) query.set('user', options.as);
  if (options.dm) query.set('dm', 'true');
  const { messages } = await call<{ messages: MessageView[] }>(`${base}/messages?${query}`, 'GET');
  if (options.json) printJson(ctx, messages);
  else if (messages.length === 0) say(ctx, '(no messages)');
  else for (const m of messages.slice(-10)) say(ctx, renderMessage(m, ctx.out.color));
  return 0;
}
