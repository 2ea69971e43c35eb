// What an operator does at Proxmox to make a game image by hand (ansible/README.md): a full clone of the base
// template (where the game is installed and the VM sealed), marked with the recipe, converted to a template.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxmoxClient } from '@guildserver/proxmox';
import { afterEach } from 'vitest';
import { REPO_ANSIBLE_DIR } from '../../src/pipeline/game/ansible-dir.js';

export const IMAGE_NODE = 'pve';
export const BASE_TEMPLATE = 9000;

export async function makeImage(
  proxmox: ProxmoxClient,
  vmid: number,
  marks: { tags: string[]; descriptionLine: string },
  name = 'openttd-image',
): Promise<void> {
  const vm = { node: IMAGE_NODE, vmid };
  await proxmox.waitForTask(
    await proxmox.qemu.clone({ node: IMAGE_NODE, vmid: BASE_TEMPLATE }, { newid: vmid, full: true }),
  );
  await proxmox.qemu.updateConfig(vm, {
    name,
    tags: marks.tags,
    description: `Built by hand.\n${marks.descriptionLine}`,
  });
  await proxmox.waitForTask(await proxmox.qemu.convertToTemplate(vm));
}

/** A private copy of the repository's ansible/ folder, to change a role and see a recipe change; removed after the test. */
export function useAnsibleCopies(): () => string {
  const copies: string[] = [];
  afterEach(() => {
    for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-recipe-'));
    copies.push(dir);
    cpSync(REPO_ANSIBLE_DIR, dir, { recursive: true });
    return dir;
  };
}
