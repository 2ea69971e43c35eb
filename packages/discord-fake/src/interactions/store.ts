// Interactions the fake has dispatched and what the bot has answered: the state machine behind the 3 s
// deadline, "already acknowledged", and the 15-minute token.
import type {
  APIApplicationCommandOptionChoice,
  APIInteraction,
  InteractionResponseType,
  InteractionType,
} from 'discord-api-types/v10';
import type { FakeClock } from '../clock.js';

export const ANSWER_DEADLINE_MS = 3_000;
export const TOKEN_LIFETIME_MS = 15 * 60_000;

export interface InteractionCallback {
  type: InteractionResponseType;
  /** The callback's `data`, as the bot sent it. */
  data?: Record<string, unknown>;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  payload: APIInteraction;
  createdAt: number;
  userId: string;
  guildId?: string;
  channelId: string;
  /** Name of the command (commands and autocomplete). */
  commandName?: string;
  /** The message a component sat on (components; modals opened from a component). */
  sourceMessageId?: string;
  callback?: InteractionCallback;
  /** Set when the bot answered after the deadline (it got 10062). */
  lateAnswer?: boolean;
  /** The message `@original` refers to, once there is one. */
  originalMessageId?: string;
  /** True between a deferred reply (type 5) and its first edit or follow-up. */
  loading: boolean;
  followUpIds: string[];
  choices?: APIApplicationCommandOptionChoice[];
}

type Listener = (record: InteractionRecord) => void;

export class InteractionStore {
  readonly byId = new Map<string, InteractionRecord>();
  readonly byToken = new Map<string, InteractionRecord>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly clock: FakeClock) {}

  add(record: InteractionRecord): void {
    this.byId.set(record.id, record);
    this.byToken.set(record.token, record);
  }

  pastDeadline(record: InteractionRecord): boolean {
    return this.clock.now() > record.createdAt + ANSWER_DEADLINE_MS;
  }

  tokenExpired(record: InteractionRecord): boolean {
    return this.clock.now() > record.createdAt + TOKEN_LIFETIME_MS;
  }

  onUpdate(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  updated(record: InteractionRecord): void {
    for (const l of [...this.listeners]) l(record);
  }

  all(): InteractionRecord[] {
    return [...this.byId.values()];
  }
}
