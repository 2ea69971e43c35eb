// Licences some server software makes its operator accept before it may be installed. GuildServer never accepts
// one on anybody's behalf: the admin lists the accepted ones in GAME_LICENSES_ACCEPTED, and each game's playbook
// refuses to install until its `*_accept_*` variable is true (the API sets it only for accepted licences).

export const LICENCE_IDS = ['minecraft-eula', 'steam'] as const;
export type LicenceId = (typeof LICENCE_IDS)[number];

export interface Licence {
  id: LicenceId;
  name: string;
  url: string;
}

export const LICENCES: Readonly<Record<LicenceId, Licence>> = {
  'minecraft-eula': {
    id: 'minecraft-eula',
    name: 'the Minecraft End User License Agreement',
    url: 'https://aka.ms/MinecraftEULA',
  },
  steam: {
    id: 'steam',
    name: 'Valve’s Steam License Agreement (SteamCMD)',
    url: 'https://store.steampowered.com/subscriber_agreement/',
  },
};

export const isLicenceId = (value: string): value is LicenceId =>
  (LICENCE_IDS as readonly string[]).includes(value);

/** The licences a game needs that are not in `accepted`, in the catalog's order. */
export function unacceptedLicences(
  game: { licences: readonly { licence: LicenceId }[] },
  accepted: ReadonlySet<LicenceId>,
): Licence[] {
  return game.licences.filter((need) => !accepted.has(need.licence)).map((need) => LICENCES[need.licence]);
}
