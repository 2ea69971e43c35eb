// Time-to-playable on real VMs (the lab): from the create request to the game's first answered query, split by
// the pipeline's own steps, plus the memory of each VM and of the lab. Needs root and the lab's Debian packages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectAccelerator } from '@guildserver/lab';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import type { Job, Server } from '../packages/contracts/src/index';
import { missingLabTools } from '../packages/pve-sim/src/index';
import { type LabStack, startLabStack } from '../test/support/lab-stack';
import { rssMiBOf } from './api-process';
import type { Benchmark } from './benchmark';
import { printJsonLine, printTable, round } from './report';

const GUILD = '110000000000000001';
const OWNER = '140000000000000001';
const RUNS = Number(process.env.LAB_BENCH_RUNS ?? 2);

/** The step names of a create job, grouped as the issue reports them. */
const GROUPS: Record<string, string[]> = {
  clone: ['allocate', 'check_vmid', 'clone', 'configure', 'resize'],
  'start → agent IPv4': ['start', 'wait_network'],
  ansible: ['setup_game'],
  'game ready': ['wait_game'],
};

function qemuRssMiB(stack: LabStack, vmid: number): number {
  const pid = Number(readFileSync(`${stack.lab.stateDir}/vms/${vmid}/qemu.pid`, 'utf8').trim());
  return rssMiBOf(pid);
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

export const labProvision: Benchmark = {
  name: 'lab',
  summary: 'real VMs: create → game answers, by step (clone, start → agent IP, Ansible, game ready), memory',
  async run() {
    const missing = await missingLabTools();
    if (missing.length > 0 || process.getuid?.() !== 0) {
      console.log(`  skipped: the lab needs root and ${missing.join(', ') || 'nothing else'}`);
      return;
    }
    const accel = detectAccelerator();
    console.log(`  accelerator: ${accel.kind} (${accel.reason})`);
    const redis = await ensureRedis(process.env.REDIS_URL, mkdtempSync(join(tmpdir(), 'gs-bench-lab-')));
    const stack = await startLabStack(redis.url);
    await stack.startWorker();
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as T;
    };
    const rows: Record<string, string | number>[] = [];
    try {
      for (let i = 1; i <= RUNS; i++) {
        const started = performance.now();
        const { server, jobId } = await api<{ server: Server; jobId: string }>('POST', '/v1/servers', {
          game: 'openttd',
          name: `bench-${i}`,
          guildId: GUILD,
          ownerId: OWNER,
          channelId: GUILD,
        });
        let job: Job;
        for (;;) {
          job = await api<Job>('GET', `/v1/jobs/${jobId}`);
          if (job.state === 'succeeded' || job.state === 'failed') break;
          await new Promise((r) => setTimeout(r, 500));
        }
        const total = (performance.now() - started) / 1000;
        if (job.state === 'failed') throw new Error(`run ${i} failed: ${job.error?.message}`);
        const seconds = (names: string[]) =>
          round(
            job.steps.filter((s) => names.includes(s.name)).reduce((sum, s) => sum + (s.durationMs ?? 0), 0) /
              1000,
            1,
          );
        const done = await api<Server>('GET', `/v1/servers/${server.id}`);
        rows.push({
          run: i,
          ...Object.fromEntries(
            Object.entries(GROUPS).map(([group, names]) => [`${group} s`, seconds(names)]),
          ),
          'total s': round(total, 1),
          'VM RSS MiB': round(qemuRssMiB(stack, done.vmid!), 0),
        });
        const removal = await api<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
        for (;;) {
          const job = await api<Job>('GET', `/v1/jobs/${removal.jobId}`);
          if (job.state === 'succeeded' || job.state === 'failed') break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const labRss = rssMiBOf(process.pid) + pidsOf('dnsmasq').reduce((sum, pid) => sum + rssMiBOf(pid), 0);
      printTable(
        `OpenTTD on a real VM (${accel.kind}); run 1 fills the apt cache, later runs reuse it`,
        rows,
      );
      console.log(
        `  lab (simulator + backend + apt proxy in this process, dnsmasq): ${round(labRss, 0)} MiB RSS`,
      );
      printJsonLine('lab', { accel: accel.kind, runs: rows, labRssMiB: round(labRss, 0) });
    } finally {
      await stack.close();
      await redis.stop();
    }
  },
};
