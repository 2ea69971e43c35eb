import type { EventType, GuildEvent } from '@guildserver/contracts';

/** What a webhook receives: `*` or a list of event types, optionally only one guild's events. */
export interface Subscription {
  eventTypes: '*' | readonly EventType[];
  guildId: string | null;
}

export const encodeEventTypes = (types: '*' | readonly EventType[]) =>
  types === '*' ? '*' : types.join(',');
export const decodeEventTypes = (stored: string): '*' | EventType[] =>
  stored === '*' ? '*' : (stored.split(',').filter((t) => t !== '') as EventType[]);

export function matches(subscription: Subscription, event: Pick<GuildEvent, 'type' | 'guildId'>): boolean {
  if (subscription.guildId !== null && event.guildId !== subscription.guildId) return false;
  return subscription.eventTypes === '*' || subscription.eventTypes.includes(event.type);
}
