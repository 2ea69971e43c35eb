// Create Message's `nonce`: with `enforce_nonce: true` Discord checks it for uniqueness among the author's
// messages of the past few minutes and, when one was already created with it, returns that message instead of
// creating another. Discord does not publish the window; the fake keeps five minutes of its clock.
import type { FakeClock } from './clock.js';

export const NONCE_WINDOW_MS = 5 * 60_000;

export class NonceRegistry {
  private readonly seen = new Map<string, { messageId: string; at: number }>();

  constructor(private readonly clock: FakeClock) {}

  /** The message `authorId` created with this nonce within the window, if any. */
  earlier(authorId: string, nonce: string | number): string | undefined {
    const key = `${authorId}:${nonce}`;
    const found = this.seen.get(key);
    if (!found) return undefined;
    if (this.clock.now() - found.at > NONCE_WINDOW_MS) {
      this.seen.delete(key);
      return undefined;
    }
    return found.messageId;
  }

  remember(authorId: string, nonce: string | number, messageId: string): void {
    this.seen.set(`${authorId}:${nonce}`, { messageId, at: this.clock.now() });
  }
}
