import { describe, expect, it } from 'vitest';
import {
  booleanLiteral,
  ConfigError,
  integer,
  isOpenSshPublicKey,
  optional,
  readEnv,
  required,
  withDefault,
  word,
} from '../src/index';

describe('readEnv', () => {
  const spec = {
    API_PORT: withDefault('a TCP port from 1 to 65535', integer(1, 65535), 8080),
    API_TOKEN: required('a token without spaces', word, { secret: true }),
    API_DEBUG: optional('true, false, 1 or 0', booleanLiteral),
  };

  it('builds a typed object with defaults and optionals', () => {
    const values = readEnv({ API_TOKEN: 'abc' }, spec);
    expect(values).toEqual({ API_PORT: 8080, API_TOKEN: 'abc', API_DEBUG: undefined });
    const port: number = values.API_PORT;
    expect(port).toBe(8080);
  });

  it('trims and converts', () => {
    expect(readEnv({ API_TOKEN: ' abc ', API_PORT: ' 9000 ', API_DEBUG: '1' }, spec)).toEqual({
      API_PORT: 9000,
      API_TOKEN: 'abc',
      API_DEBUG: true,
    });
  });

  it('names the variable and the form; hides secret values', () => {
    expect(() => readEnv({ API_TOKEN: 'abc', API_PORT: '70000' }, spec)).toThrow(
      new ConfigError('API_PORT must be a TCP port from 1 to 65535 (got "70000").', ['API_PORT']),
    );
    try {
      readEnv({ API_TOKEN: 'a secret' }, spec);
    } catch (error) {
      expect((error as Error).message).toBe('API_TOKEN must be a token without spaces.');
    }
  });
});

describe('isOpenSshPublicKey', () => {
  it('checks the blob really holds a key of the named type', () => {
    const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    expect(isOpenSshPublicKey(`ssh-ed25519 ${key} me@host`)).toBe(true);
    expect(isOpenSshPublicKey(`ssh-ed25519 ${key}`)).toBe(true);
    expect(isOpenSshPublicKey(`ssh-rsa ${key}`)).toBe(false);
    expect(isOpenSshPublicKey('ssh-ed25519 not-base64!')).toBe(false);
    expect(isOpenSshPublicKey('hello')).toBe(false);
  });
});
