import type { SimTask } from '../cluster/model.js';
import { formatUpid } from './upid.js';

export interface TaskLog {
  info(line: string): void;
  /** Counts towards the `WARNINGS: n` exit status, which is still a success. */
  warn(line: string): void;
}

export interface TaskStart {
  node: string;
  type: string;
  id: string;
  user: string;
  run(log: TaskLog): Promise<void>;
}

const MAX_TASKS_KEPT = 5_000;

/** Runs simulated work as PVE tasks: a UPID at once, status and log while it runs, an exit status after. */
export class TaskRunner {
  private nextPid = 0x1a000 + Math.floor(Math.random() * 0x1000);
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly tasks: SimTask[],
    private readonly onChange: () => void,
  ) {}

  start(spec: TaskStart): string {
    const starttime = Math.floor(Date.now() / 1000);
    const pid = this.nextPid++;
    const task: SimTask = {
      upid: formatUpid({ ...spec, pid, pstart: 0x800000 + (pid % 0x7fffff), starttime }),
      node: spec.node,
      pid,
      pstart: 0x800000 + (pid % 0x7fffff),
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      status: 'running',
      log: [],
    };
    this.tasks.push(task);
    if (this.tasks.length > MAX_TASKS_KEPT) this.tasks.splice(0, this.tasks.length - MAX_TASKS_KEPT);

    let warnings = 0;
    const append = (t: string) => task.log.push({ n: task.log.length + 1, t });
    const log: TaskLog = {
      info: append,
      warn: (line) => {
        warnings++;
        append(`WARN: ${line}`);
      },
    };
    const done = spec
      .run(log)
      .then(
        () => {
          task.exitstatus = warnings > 0 ? `WARNINGS: ${warnings}` : 'OK';
          append(warnings > 0 ? `TASK WARNINGS: ${warnings}` : 'TASK OK');
        },
        (error: unknown) => {
          const text = (error instanceof Error ? error.message : String(error)).trim();
          task.exitstatus = text;
          append(text);
          append(`TASK ERROR: ${text}`);
        },
      )
      .finally(() => {
        task.status = 'stopped';
        task.endtime = Math.floor(Date.now() / 1000);
        this.running.delete(done);
        this.onChange();
      });
    this.running.add(done);
    this.onChange();
    return task.upid;
  }

  find(upid: string): SimTask | undefined {
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      if (this.tasks[i]!.upid === upid) return this.tasks[i];
    }
    return undefined;
  }

  /** Resolves once every task started so far has ended (used on close). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
