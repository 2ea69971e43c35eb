// The game licences the local stack's API runs with. GuildServer never accepts a licence silently: an operator's
// GAME_LICENSES_ACCEPTED is used as it is; otherwise the demo stack accepts every licence on the operator's behalf
// (so every game can be tried) and says so at start, unless `--no-accept-licences` asks it not to.
import { LICENCE_IDS, LICENCES } from '@guildserver/games';

export interface LicenceChoice {
  /** GAME_LICENSES_ACCEPTED for the API. */
  value: string;
  /** What the start-up banner says about it. */
  line: string;
}

export function licencesForStack(
  inherited: Readonly<Record<string, string | undefined>>,
  acceptForDemo: boolean,
): LicenceChoice {
  const chosen = inherited.GAME_LICENSES_ACCEPTED?.trim();
  if (chosen) return { value: chosen, line: `${chosen} (GAME_LICENSES_ACCEPTED)` };
  if (!acceptForDemo) return { value: '', line: 'none accepted (--no-accept-licences)' };
  const each = LICENCE_IDS.map((id) => `${id} (${LICENCES[id].url})`);
  return {
    value: LICENCE_IDS.join(','),
    line:
      `${each.join(' and ')} accepted on your behalf for this demo; ` +
      'start with --no-accept-licences to accept none, or set GAME_LICENSES_ACCEPTED to choose.',
  };
}
