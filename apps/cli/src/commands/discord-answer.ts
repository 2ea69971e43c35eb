// A click or a form sent from a message is often answered with a deferred update: Discord only learns that the
// bot is on it, and the message stays as it was until the bot edits it (or sends the user a follow-up). What the
// user then sees is that edit or follow-up, so that is what `gs discord click|submit` waits for and prints.
import type { ControlMessage, ControlResult } from '@guildserver/discord-fake';
import { sleep } from '@guildserver/timing';

/** What the user can see, read through the fake's control surface. */
export interface VisibleMessages {
  /** One message by id; undefined once it was deleted. */
  message(id: string): Promise<ControlMessage | undefined>;
  /** The channel as the user sees it, their ephemeral messages included. */
  channel(): Promise<ControlMessage[]>;
}

/** Messages as they stood before the interaction, by id. */
export type Snapshot = ReadonlyMap<string, string>;

const fingerprint = (m: ControlMessage) => JSON.stringify(m);

export function snapshotOf(messages: readonly ControlMessage[]): Snapshot {
  return new Map(messages.map((m) => [m.id, fingerprint(m)]));
}

/**
 * The result as the user sees it once the bot answered: for a deferred update, the message after the bot's
 * next edit and the ephemeral follow-ups it sent; `answered` is false when neither came within `waitMs`.
 */
export async function answerOf(
  result: ControlResult,
  before: Snapshot,
  visible: VisibleMessages,
  waitMs: number,
): Promise<{ result: ControlResult; answered: boolean }> {
  if (result.answer !== 'deferred-update' || result.followUps.length > 0) return { result, answered: true };
  const source = result.message;
  const sourceBefore = source ? (before.get(source.id) ?? fingerprint(source)) : undefined;
  const until = Date.now() + waitMs;
  for (;;) {
    const now = source ? await visible.message(source.id) : undefined;
    const edited = now && fingerprint(now) !== sourceBefore ? now : undefined;
    const followUps = (await visible.channel()).filter((m) => m.ephemeral && !before.has(m.id));
    if (edited || followUps.length > 0 || (source && !now)) {
      const { message: _gone, ...rest } = result;
      return { result: { ...rest, ...(now ? { message: now } : {}), followUps }, answered: true };
    }
    if (Date.now() >= until) return { result, answered: false };
    await sleep(250);
  }
}
