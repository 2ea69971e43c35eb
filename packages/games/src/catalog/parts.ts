import type { GameId } from '../ids';
import type { GameDefinition, GameSetting, PortProtocol, PortPurpose, PortSpec } from '../types';

// Small builders the per-game files share, so each file reads as data.

/** Keeps the id's literal type, so the catalog can check that every id has its own definition. */
export function defineGame<K extends GameId>(game: GameDefinition & { id: K }): GameDefinition & { id: K } {
  return game;
}

interface PortOptions {
  count?: number;
  consecutive?: boolean;
  public?: boolean;
}

export function port(
  purpose: PortPurpose,
  protocol: PortProtocol,
  defaultPort: number,
  note: string,
  options: PortOptions = {},
): PortSpec {
  return {
    purpose,
    protocol,
    defaultPort,
    count: options.count ?? 1,
    consecutive: options.consecutive ?? false,
    public: options.public ?? purpose !== 'rcon',
    note,
  };
}

export function serverName(defaultName: string, maxLength: number): GameSetting {
  return {
    key: 'serverName',
    label: 'Server name',
    type: 'string',
    default: defaultName,
    minLength: 1,
    maxLength,
  };
}

export function maxPlayers(
  defaultCount: number,
  min: number,
  max: number,
  description?: string,
): GameSetting {
  const setting: GameSetting = {
    key: 'maxPlayers',
    label: 'Max players',
    type: 'integer',
    default: defaultCount,
    min,
    max,
  };
  return description === undefined ? setting : { ...setting, description };
}

/** A join password; empty means anyone may join unless `minLength` > 0. */
export function joinPassword(minLength: number, maxLength: number, required = false): GameSetting {
  return {
    key: 'password',
    label: 'Join password',
    type: 'password',
    required,
    minLength,
    maxLength,
  };
}

/** The password of the game's own admin account or commands; generated for each server and shown to its owner. */
export function adminPassword(minLength: number, maxLength: number): GameSetting {
  return {
    key: 'adminPassword',
    label: 'Admin password',
    description: 'Needed for admin commands in-game; generated when left empty.',
    type: 'password',
    required: true,
    minLength,
    maxLength,
  };
}

/** A world seed; empty lets the game pick one. */
export function worldSeed(maxLength: number, pattern?: string): GameSetting {
  const setting: GameSetting = {
    key: 'worldSeed',
    label: 'World seed',
    description: 'Leave empty for a random world.',
    type: 'string',
    default: '',
    minLength: 0,
    maxLength,
  };
  return pattern === undefined ? setting : { ...setting, pattern };
}
