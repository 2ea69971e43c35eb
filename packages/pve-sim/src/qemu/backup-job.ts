// A running VM's point-in-time copy, as PVE's snapshot-mode vzdump makes it: QMP `blockdev-backup` jobs
// (sync=full) of all its disks, started together in one transaction, each into an archive image added as a
// block node. The copy-before-write filter the jobs insert keeps what the guest overwrites meanwhile, so the
// archive holds the disks as they were when the transaction ran, while the guest carries on.
import type { QmpClient, QmpEvent } from './qmp.js';

export interface RunningDisk {
  /** The disk's drive id in QEMU (`drive-scsi0`). */
  device: string;
  /** An existing qcow2 image of the disk's virtual size, which the job fills. */
  target: string;
}

export interface BackupJobOptions {
  /** Write compressed clusters into the targets. */
  compress: boolean;
  /** Called just before the transaction that starts the jobs (to freeze the guest's filesystems). */
  beforeStart(): Promise<void>;
  /**
   * Called once the transaction that starts the jobs has run (the point in time of the copy; false when it
   * failed): the guest may write again.
   */
  started(jobsRunning: boolean): Promise<void>;
  /** Progress lines, as vzdump prints them. */
  progress(line: string): void;
  /** Resolves when the machine goes away: the jobs then fail. */
  gone: Promise<void>;
  timeoutMs: number;
}

const PROGRESS_POLL_MS = 2_000;
const COMMAND_TIMEOUT_MS = 30_000;
let runs = 0;

interface BlockJobInfo {
  device: string;
  len: number;
  offset: number;
}

/** Copies the disks; resolves with the bytes the jobs went through (the disks' virtual sizes). */
export async function backupRunningDisks(
  qmp: QmpClient,
  disks: RunningDisk[],
  options: BackupJobOptions,
): Promise<number> {
  const run = ++runs;
  const jobs = disks.map((disk, index) => ({
    ...disk,
    node: `gs-backup-target-${run}-${index}`,
    job: `gs-backup-${run}-${index}`,
  }));
  const ends = new Map<string, QmpEvent>();
  let wake: (() => void) | undefined;
  const unsubscribe = qmp.onEvent((event) => {
    if (event.event !== 'BLOCK_JOB_COMPLETED' && event.event !== 'BLOCK_JOB_CANCELLED') return;
    const job = jobs.find((j) => j.job === event.data?.device);
    if (!job) return;
    ends.set(job.job, event);
    wake?.();
  });
  let gone = false;
  void options.gone.then(() => {
    gone = true;
    wake?.();
  });
  const added: string[] = [];
  let startedJobs = false;
  try {
    for (const job of jobs) {
      await qmp.execute(
        'blockdev-add',
        { driver: 'qcow2', 'node-name': job.node, file: { driver: 'file', filename: job.target } },
        COMMAND_TIMEOUT_MS,
      );
      added.push(job.node);
    }
    try {
      await options.beforeStart();
      await qmp.execute(
        'transaction',
        {
          actions: jobs.map((job) => ({
            type: 'blockdev-backup',
            data: {
              'job-id': job.job,
              device: job.device,
              target: job.node,
              sync: 'full',
              compress: options.compress,
            },
          })),
          properties: { 'completion-mode': 'grouped' },
        },
        COMMAND_TIMEOUT_MS,
      );
      startedJobs = true;
    } finally {
      await options.started(startedJobs);
    }

    const began = Date.now();
    const deadline = began + options.timeoutMs;
    let total = 0;
    let reported = 0;
    while (ends.size < jobs.length) {
      if (gone) throw new Error('VM stopped during the backup');
      if (Date.now() > deadline)
        throw new Error(`backup job did not finish within ${Math.round(options.timeoutMs / 1000)} s`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, PROGRESS_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      wake = undefined;
      if (ends.size === jobs.length || gone) continue;
      const running = (await qmp.execute<BlockJobInfo[]>('query-block-jobs')).filter((info) =>
        jobs.some((j) => j.job === info.device),
      );
      const len = running.reduce((sum, info) => sum + info.len, 0);
      const offset = running.reduce((sum, info) => sum + info.offset, 0);
      if (len === 0) continue;
      total = Math.max(total, len);
      const percent = Math.floor((offset / len) * 100);
      if (percent >= reported + 10) {
        reported = percent - (percent % 10);
        const seconds = Math.max(1, Math.round((Date.now() - began) / 1000));
        options.progress(
          `INFO: ${String(percent).padStart(3)}% (${humanBytes(offset)} of ${humanBytes(len)}) in ${seconds}s, read: ${humanBytes(offset / seconds)}/s`,
        );
      }
    }
    for (const job of jobs) {
      const end = ends.get(job.job)!;
      if (end.event === 'BLOCK_JOB_CANCELLED') throw new Error(`backup job '${job.job}' was cancelled`);
      const error = end.data?.error;
      if (typeof error === 'string') throw new Error(`backup of '${job.device}' failed - ${error}`);
      total = Math.max(total, Number(end.data?.len ?? 0));
    }
    return jobs.reduce((sum, job) => sum + Number(ends.get(job.job)!.data?.len ?? 0), 0) || total;
  } finally {
    unsubscribe();
    wake = undefined;
    if (!gone) {
      if (startedJobs)
        for (const job of jobs.filter((j) => !ends.has(j.job)))
          await qmp.execute('block-job-cancel', { device: job.job, force: true }).catch(() => {});
      // A cancelled job lets go of its target only once it has ended; blockdev-del fails while it holds it.
      for (const node of added) await deleteNode(qmp, node);
    }
  }
}

async function deleteNode(qmp: QmpClient, node: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await qmp.execute('blockdev-del', { 'node-name': node }, COMMAND_TIMEOUT_MS);
      return;
    } catch (error) {
      if (/closed connection/.test((error as Error).message)) return;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** PVE::Tools::render_bytes: `409.60 MiB`. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(2)} ${units[unit]}`;
}
