// Every step, found by the name its `job_steps` row records.
import type { Step } from '../context.js';
import { setupGame, waitGame } from './game.js';
import { checkVm, destroyVm, releaseResources, shutdownVm } from './lifecycle.js';
import { clone, configure, resizeDisk, startVm, verifyVmid, waitNetwork } from './provision.js';

const STEPS: ReadonlyMap<string, Step> = new Map(
  [
    verifyVmid,
    clone,
    configure,
    resizeDisk,
    startVm,
    waitNetwork,
    setupGame,
    waitGame,
    checkVm,
    shutdownVm,
    destroyVm,
    releaseResources,
  ].map((step: Step) => [step.name, step]),
);

export function stepNamed(name: string): Step {
  const step = STEPS.get(name);
  if (!step) throw new Error(`No step is named '${name}'.`);
  return step;
}
