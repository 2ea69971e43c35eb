// For test suites: fail the test whose bot sent Discord a body it would refuse (50035).
//   import { expectNoDiscordViolations } from '@guildserver/discord-fake/vitest';
//   afterEach(() => expectNoDiscordViolations(fake));
import { expect } from 'vitest';
import type { FakeDiscord } from './fake.js';
import { describeViolations } from './view.js';

/** Asserts the fake refused no request body since the last call, then forgets what it saw. */
export function expectNoDiscordViolations(
  fake: Pick<FakeDiscord, 'validationErrors' | 'clearValidationErrors'>,
): void {
  const seen = [...fake.validationErrors];
  fake.clearValidationErrors();
  expect(seen, `Discord would refuse these request bodies (400 50035):\n${describeViolations(seen)}`).toEqual(
    [],
  );
}
