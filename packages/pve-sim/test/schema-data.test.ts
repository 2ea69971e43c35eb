import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMA_DIR } from '../src/schema/index.js';

const REFERENCE = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'reference', 'proxmox');
const FILES = ['apidata-pve7.4.json', 'apidata-pve8.4.0.json', 'apidata-pve9.1.3.json'];
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('vendored PVE schemas', () => {
  it.runIf(existsSync(REFERENCE))('are byte-identical to the steering reference', () => {
    for (const file of FILES)
      expect(sha256(join(DEFAULT_SCHEMA_DIR, file)), file).toBe(sha256(join(REFERENCE, file)));
  });
});
