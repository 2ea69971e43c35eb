// The vendored OpenAPI description, and the validator's coverage of every route the fake serves.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../src/rest/server.js';
import { coerceDrifts } from '../src/spec/drifts.js';
import { REFERENCE_SPEC, VENDORED_SPEC } from '../src/spec/locate.js';
import { specValidator } from '../src/spec/validator.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('Discord OpenAPI description', () => {
  it.runIf(existsSync(REFERENCE_SPEC))('the vendored copy is byte-identical to the shared reference', () => {
    expect(sha256(VENDORED_SPEC)).toBe(sha256(REFERENCE_SPEC));
  });

  it('describes every route the fake serves (so every body is validated against it)', () => {
    const validator = specValidator(VENDORED_SPEC);
    const missing = ROUTES.filter((r) => !validator.operation(r.template, r.method)).map(
      (r) => `${r.method} ${r.template}`,
    );
    expect(missing).toEqual([]);
  });

  it('coerces default_member_permissions sent as a string before validating', () => {
    const validator = specValidator(VENDORED_SPEC);
    const body = [{ name: 'server', description: 'Game servers', default_member_permissions: '32' }];
    const template = '/applications/{application_id}/guilds/{guild_id}/commands';
    expect(validator.check(template, 'PUT', body).errors.empty).toBe(false);
    expect(coerceDrifts(template, 'put', body)).toEqual(['default_member_permissions is a string of digits']);
    expect(validator.check(template, 'PUT', body).errors.empty).toBe(true);
  });
});
