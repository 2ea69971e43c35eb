import { ConfigError } from '@guildserver/config';
import { describe, expect, it } from 'vitest';
import { GAME_IDS, getGame, parseSizeText, resolveGameSizes, resourcesVariableName } from '../src/index';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    resolveGameSizes(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectOneSentence(message: string) {
  expect(message).toMatch(/\.$/);
  expect(message.slice(0, -1)).not.toMatch(/\.\s/);
}

const VALHEIM_FORM =
  "PROXMOX_RESOURCES_VALHEIM must be cores=<n>,memory=<MiB>,disk=<GiB> (any of the three), each at least the game's minimum (cores 2, memory 4096, disk 20)";

describe('resourcesVariableName', () => {
  it('upper-cases the id and turns - into _', () => {
    expect(resourcesVariableName('minecraft-java')).toBe('PROXMOX_RESOURCES_MINECRAFT_JAVA');
    expect(resourcesVariableName('valheim')).toBe('PROXMOX_RESOURCES_VALHEIM');
  });
});

describe('resolveGameSizes', () => {
  it('gives every game its catalog default when nothing is set', () => {
    const sizes = resolveGameSizes({ PATH: '/usr/bin' });
    expect([...sizes.keys()]).toEqual([...GAME_IDS]);
    for (const id of GAME_IDS) expect(sizes.get(id)).toEqual(getGame(id).resources.default);
  });

  it('takes a full override', () => {
    const sizes = resolveGameSizes({ PROXMOX_RESOURCES_MINECRAFT_JAVA: 'cores=4,memory=8192,disk=32' });
    expect(sizes.get('minecraft-java')).toEqual({ cores: 4, memory: 8192, disk: 32 });
  });

  it('keeps the defaults for keys an override leaves out, in any order, spaces allowed', () => {
    const sizes = resolveGameSizes({ PROXMOX_RESOURCES_VALHEIM: ' memory=16384 , cores=6 ' });
    expect(sizes.get('valheim')).toEqual({
      ...getGame('valheim').resources.default,
      cores: 6,
      memory: 16384,
    });
    expect(sizes.get('ark')).toEqual(getGame('ark').resources.default);
  });

  it('accepts exactly the minimum, and treats an empty variable as unset', () => {
    const sizes = resolveGameSizes({
      PROXMOX_RESOURCES_VALHEIM: 'cores=2,memory=4096,disk=20',
      PROXMOX_RESOURCES_ARK: '  ',
    });
    expect(sizes.get('valheim')).toEqual({ cores: 2, memory: 4096, disk: 20 });
    expect(sizes.get('ark')).toEqual(getGame('ark').resources.default);
  });

  it('does not let a caller change the catalog through the result', () => {
    const sizes = resolveGameSizes({});
    const valheim = sizes.get('valheim');
    if (valheim) valheim.cores = 99;
    expect(getGame('valheim').resources.default.cores).not.toBe(99);
  });

  it.each([
    ['below the minimum', 'cores=0'],
    ['below the minimum memory', 'memory=2048'],
    ['malformed', 'cores=four'],
    ['a size without key', '4,8192,32'],
    ['an unknown key', 'cores=4,ram=8192'],
    ['a key given twice', 'cores=4,cores=8'],
    ['a trailing comma', 'cores=4,'],
    ['a unit', 'memory=8G'],
  ])('refuses %s with one sentence naming the variable and the form', (_case, value) => {
    const error = configError({ PROXMOX_RESOURCES_VALHEIM: value });
    expect(error.message).toBe(`${VALHEIM_FORM}; got ${JSON.stringify(value)}.`);
    expect(error.variables).toEqual(['PROXMOX_RESOURCES_VALHEIM']);
    expectOneSentence(error.message);
  });

  it('refuses a size above the cluster-wide limits', () => {
    const error = configError({ PROXMOX_RESOURCES_OPENTTD: 'cores=500' });
    expect(error.message).toBe(
      'PROXMOX_RESOURCES_OPENTTD must be cores=<n>,memory=<MiB>,disk=<GiB> (any of the three), each at most cores 128, memory 4194304, disk 65536; got "cores=500".',
    );
    expectOneSentence(error.message);
  });

  it('refuses a variable that names no game, listing the known ids, rather than ignoring a typo', () => {
    const error = configError({ PROXMOX_RESOURCES_MINECRAFT: 'cores=4' });
    expect(error.message).toBe(
      'PROXMOX_RESOURCES_MINECRAFT names no known game; use PROXMOX_RESOURCES_<GAME> with <GAME> a game id upper-cased, - as _ (known ids: minecraft-java, minecraft-bedrock, terraria, factorio, project-zomboid, satisfactory, ark, valheim, luanti, openttd, openarena).',
    );
    expect(error.variables).toEqual(['PROXMOX_RESOURCES_MINECRAFT']);
    expectOneSentence(error.message);
    expect(configError({ 'PROXMOX_RESOURCES_MINECRAFT-JAVA': 'cores=4' }).variables).toEqual([
      'PROXMOX_RESOURCES_MINECRAFT-JAVA',
    ]);
  });
});

describe('parseSizeText', () => {
  it('reads any of the three keys, separated by commas or spaces, in any case', () => {
    expect(parseSizeText('cores=4,memory=8192,disk=32')).toEqual({
      size: { cores: 4, memory: 8192, disk: 32 },
    });
    expect(parseSizeText(' Cores = 3  memory=4096 ')).toEqual({ size: { cores: 3, memory: 4096 } });
  });
  it('says what is wrong otherwise, leaving the bounds to the caller', () => {
    expect(parseSizeText('cores=0')).toEqual({ size: { cores: 0 } });
    expect(parseSizeText('cores=4,cores=8')).toEqual({ problem: 'repeated', key: 'cores' });
    for (const text of ['', 'big', 'cores=4,', 'memory=8G', 'ram=1', 'cores=1234567890'])
      expect(parseSizeText(text), text).toEqual({ problem: 'form' });
  });
});
