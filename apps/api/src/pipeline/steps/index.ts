// Every step, found by the name its `job_steps` row records. One module per step, in the order a create runs
// them; server-vm.ts holds what several steps read about the server's VM.
import type { Step } from '../context.js';
import { adoptVm } from './adopt-vm.js';
import { backupVm } from './backup-vm.js';
import { checkVm } from './check-vm.js';
import { clone } from './clone.js';
import { configure } from './configure.js';
import { destroyVm } from './destroy-vm.js';
import { holdGame } from './hold-game.js';
import { pruneBackups } from './prune-backups.js';
import { publishPorts } from './publish-ports.js';
import { releaseGame } from './release-game.js';
import { releaseResources } from './release-resources.js';
import { resizeDisk } from './resize-disk.js';
import { restoreVm } from './restore-vm.js';
import { saveGame } from './save-game.js';
import { setupGame } from './setup-game.js';
import { shutdownVm } from './shutdown-vm.js';
import { sleepVm } from './sleep-vm.js';
import { startVm } from './start-vm.js';
import { unpublishPorts } from './unpublish-ports.js';
import { verifyVmid } from './verify-vmid.js';
import { waitGame } from './wait-game.js';
import { waitNetwork } from './wait-network.js';

const STEPS: ReadonlyMap<string, Step> = new Map(
  [
    verifyVmid,
    adoptVm,
    clone,
    configure,
    resizeDisk,
    startVm,
    waitNetwork,
    setupGame,
    waitGame,
    publishPorts,
    unpublishPorts,
    checkVm,
    shutdownVm,
    destroyVm,
    releaseResources,
    holdGame,
    backupVm,
    releaseGame,
    pruneBackups,
    restoreVm,
    saveGame,
    sleepVm,
  ].map((step: Step) => [step.name, step] as const),
);

export function stepNamed(name: string): Step {
  const step = STEPS.get(name);
  if (!step) throw new Error(`No step is named '${name}'.`);
  return step;
}
