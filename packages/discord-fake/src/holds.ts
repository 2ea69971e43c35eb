// Answers a test holds back: the request takes effect at once (a message is created, a command registered), but
// the client hears nothing until the test releases it. This widens the window between "Discord did it" and
// "the bot knows it did" so a test can crash the bot inside it.
import { compilePathMatcher } from './rate-limits.js';

export interface HoldRule {
  method?: string;
  /** As in RateLimitRule: a concrete path after `/api/v10`, a template with `{param}`/`:param`/`*`, or a RegExp. */
  path: string | RegExp;
  /** How many matching requests are held (default 1); later ones are answered at once. */
  times?: number;
}

export interface ResponseHold {
  /** Requests held so far (each already took effect). */
  readonly held: number;
  /** Sends every held answer (to clients still connected) and holds no more. */
  release(): void;
}

interface ActiveHold {
  method?: string;
  test: (path: string, template: string) => boolean;
  left: number;
  held: number;
  released: Promise<void>;
  release(): void;
}

export class ResponseHolds {
  private holds: ActiveHold[] = [];

  constructor(private readonly changed: () => void) {}

  add(rule: HoldRule): ResponseHold {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold: ActiveHold = {
      ...(rule.method ? { method: rule.method.toUpperCase() } : {}),
      test: compilePathMatcher(rule.path),
      left: rule.times ?? 1,
      held: 0,
      released,
      release: () => {
        hold.left = 0;
        this.holds = this.holds.filter((h) => h !== hold);
        release();
      },
    };
    this.holds.push(hold);
    return {
      get held() {
        return hold.held;
      },
      release: () => hold.release(),
    };
  }

  /** For a request just handled: the promise its answer must wait for, if a hold takes it. */
  take(method: string, path: string, template: string): Promise<void> | undefined {
    const hold = this.holds.find(
      (h) => h.left > 0 && (!h.method || h.method === method) && h.test(path, template),
    );
    if (!hold) return undefined;
    hold.left--;
    hold.held++;
    this.changed();
    return hold.released;
  }

  releaseAll(): void {
    for (const hold of [...this.holds]) hold.release();
  }
}
