import type { FakeDiscord } from '../fake.js';

/** The parts of the fake the control surface drives (it is mounted before the fake object exists). */
export type FakeDiscordLike = Pick<
  FakeDiscord,
  | 'registeredCommands'
  | 'invokeCommand'
  | 'invokeAutocomplete'
  | 'clickButton'
  | 'submitModal'
  | 'channelMessages'
  | 'dmMessages'
  | 'message'
  | 'waitFor'
  | 'gatewayConnections'
>;
