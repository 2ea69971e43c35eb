// Fault injection: the in-process API tests use, also reachable over HTTP at /_sim/faults.

export interface FailNthFault {
  kind: 'fail_nth';
  method?: string;
  /** Matched against the path after /api2/json; a string must match the whole path. */
  path: string | RegExp;
  /** Fail the nth matching call from now on (1 = the next one). */
  nth: number;
  /** How many consecutive calls fail from the nth on (default 1). */
  times?: number;
  status: number;
  message: string;
  seen: number;
}

export interface TaskErrorFault {
  kind: 'task_error';
  /** Task type, e.g. `qmclone`, `qmstart`. */
  type: string;
  message: string;
  remaining: number;
}

export type FaultDescription =
  | {
      kind: 'fail_nth';
      method?: string;
      path: string;
      nth: number;
      times?: number;
      status: number;
      message: string;
    }
  | { kind: 'lock_timeout'; storage: string; count?: number }
  | { kind: 'storage_full'; storage: string; count?: number }
  | { kind: 'task_error'; type: string; message: string; count?: number }
  | { kind: 'agent_silent'; vmid: number | '*' }
  | { kind: 'node_offline'; node: string; offline?: boolean }
  | { kind: 'slow_tasks'; factor: number };

export class FaultController {
  private failNths: FailNthFault[] = [];
  private taskErrors: TaskErrorFault[] = [];
  private readonly lockTimeoutsLeft = new Map<string, number>();
  private readonly storageFullLeft = new Map<string, number>();
  private readonly silentAgents = new Set<number | '*'>();
  private slowFactor = 1;

  constructor(private readonly setNodeOnline: (node: string, online: boolean) => void) {}

  failNth(fault: Omit<FailNthFault, 'kind' | 'seen'>): void {
    this.failNths.push({ ...fault, kind: 'fail_nth', seen: 0 });
  }

  /** The next `count` clones that need this storage's lock fail with PVE's lock time-out. */
  lockTimeouts(storage: string, count = 1): void {
    this.lockTimeoutsLeft.set(storage, (this.lockTimeoutsLeft.get(storage) ?? 0) + count);
  }

  /** The next `count` backups written to this storage fail with `No space left on device`. */
  storageFull(storage: string, count = 1): void {
    this.storageFullLeft.set(storage, (this.storageFullLeft.get(storage) ?? 0) + count);
  }

  taskError(fault: { type: string; message: string; count?: number }): void {
    this.taskErrors.push({
      kind: 'task_error',
      type: fault.type,
      message: fault.message,
      remaining: fault.count ?? 1,
    });
  }

  agentSilent(vmid: number | '*'): void {
    this.silentAgents.add(vmid);
  }

  nodeOffline(node: string, offline = true): void {
    this.setNodeOnline(node, !offline);
  }

  slowTasks(factor: number): void {
    this.slowFactor = factor;
  }

  apply(description: FaultDescription): void {
    switch (description.kind) {
      case 'fail_nth':
        this.failNth(description);
        return;
      case 'lock_timeout':
        this.lockTimeouts(description.storage, description.count);
        return;
      case 'storage_full':
        this.storageFull(description.storage, description.count);
        return;
      case 'task_error':
        this.taskError(description);
        return;
      case 'agent_silent':
        this.agentSilent(description.vmid);
        return;
      case 'node_offline':
        this.nodeOffline(description.node, description.offline ?? true);
        return;
      case 'slow_tasks':
        this.slowTasks(description.factor);
        return;
    }
  }

  clear(): void {
    this.failNths = [];
    this.taskErrors = [];
    this.lockTimeoutsLeft.clear();
    this.storageFullLeft.clear();
    this.silentAgents.clear();
    this.slowFactor = 1;
  }

  describe(): unknown {
    return {
      failNth: this.failNths.map((f) => ({ ...f, path: String(f.path) })),
      taskErrors: this.taskErrors,
      lockTimeouts: Object.fromEntries(this.lockTimeoutsLeft),
      storageFull: Object.fromEntries(this.storageFullLeft),
      silentAgents: [...this.silentAgents],
      slowFactor: this.slowFactor,
    };
  }

  // --- consulted by the simulator ---

  /** A forced failure for this call, if one is due. */
  forcedFailure(method: string, path: string): { status: number; message: string } | undefined {
    for (const fault of this.failNths) {
      if (fault.method && fault.method !== method) continue;
      const matches = typeof fault.path === 'string' ? fault.path === path : fault.path.test(path);
      if (!matches) continue;
      fault.seen++;
      const times = fault.times ?? 1;
      if (fault.seen >= fault.nth && fault.seen < fault.nth + times) {
        return { status: fault.status, message: fault.message };
      }
    }
    return undefined;
  }

  takeLockTimeout(storage: string): boolean {
    const left = this.lockTimeoutsLeft.get(storage) ?? 0;
    if (left <= 0) return false;
    this.lockTimeoutsLeft.set(storage, left - 1);
    return true;
  }

  takeStorageFull(storage: string): boolean {
    const left = this.storageFullLeft.get(storage) ?? 0;
    if (left <= 0) return false;
    this.storageFullLeft.set(storage, left - 1);
    return true;
  }

  takeTaskError(type: string): string | undefined {
    const fault = this.taskErrors.find((f) => f.type === type && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining--;
    return fault.message;
  }

  isAgentSilent(vmid: number): boolean {
    return this.silentAgents.has('*') || this.silentAgents.has(vmid);
  }

  get durationFactor(): number {
    return this.slowFactor;
  }
}
