import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterState } from './model.js';

export class StateFileError extends Error {}

/** Loads a saved cluster; tasks that were running when it was saved ended with the simulator. */
export function loadState(path: string): ClusterState | undefined {
  if (!existsSync(path)) return undefined;
  let state: ClusterState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
  } catch (error) {
    throw new StateFileError(
      `the state file ${path} is not valid JSON (${(error as Error).message}); move it away or pass another --state`,
    );
  }
  if (!Array.isArray(state.nodes) || !Array.isArray(state.vms) || !Array.isArray(state.storages)) {
    throw new StateFileError(
      `the state file ${path} is not a simulator state; move it away or pass another --state`,
    );
  }
  state.tasks ??= [];
  state.backups ??= [];
  for (const task of state.tasks) {
    if (task.status === 'running') {
      task.status = 'stopped';
      task.exitstatus = 'unexpected status';
    }
  }
  return state;
}

/** Writes atomically (temp file + rename) so a crash never leaves half a state file. */
export function saveState(path: string, state: ClusterState): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, path);
}
