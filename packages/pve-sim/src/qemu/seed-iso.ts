// Writes files into an ISO9660 image the way PVE makes its cloud-init drive.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from './run-command.js';

export async function writeSeedIso(
  files: Record<string, Buffer | string>,
  isoPath: string,
  label = 'cidata',
): Promise<void> {
  const staging = await mkdtemp(join(dirname(isoPath), '.cloudinit-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(staging, name), content);
    await runCommand('genisoimage', [
      '-quiet',
      '-iso-level',
      '3',
      '-J',
      '-R',
      '-V',
      label,
      '-o',
      isoPath,
      staging,
    ]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
