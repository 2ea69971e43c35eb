#!/usr/bin/env node
// `pnpm pve-sim`: the Proxmox VE simulator as a standalone server.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import { DEFAULT_SIM_TOKEN } from './api.js';
import {
  type CliOptions,
  collectToken,
  parseAccel,
  parseBackend,
  parseNonNegativeInt,
  parsePort,
  parsePositive,
  parseProfile,
  parseVersion,
  toSimulatorOptions,
} from './cli-options.js';
import { StateFileError } from './cluster/state-file.js';
import { type LabBackend, startLabBackend } from './qemu/lab.js';
import { missingLabTools } from './qemu/lab-tools.js';
import { startSimulator } from './simulator.js';

const program = new Command('pve-sim')
  .description(
    'A Proxmox VE API simulator: the PVE wire format at /api2/json, checked against the official schema.',
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 8006)
  .option('--tls', 'serve HTTPS with a fresh self-signed certificate and print its fingerprint', false)
  .option('--pve-version <version>', 'which PVE API to speak: 7.4, 8.4 or 9.1', parseVersion, '9.1' as const)
  .option('--token <user@realm!id=secret>', 'accept this API token (repeatable)', collectToken, [])
  .option('--profile <profile>', 'task durations: fast or realistic', parseProfile, 'realistic' as const)
  .option(
    '--time-scale <factor>',
    'multiply every simulated duration (0.1 is ten times faster)',
    parsePositive,
    1,
  )
  .option('--state <file>', 'load the cluster from and save it to this JSON file')
  .option(
    '--auth-delay <ms>',
    'delay before answering a bad credential (PVE waits about 3 s)',
    parseNonNegativeInt,
    3000,
  )
  .option('--lock-slots <n>', 'clones that may hold one storage lock at once', parseNonNegativeInt, 2)
  .option('--ca-out <file>', 'with --tls, write the cluster CA certificate here (for PROXMOX_CA_FILE)')
  .option(
    '--backend <backend>',
    'simulated (nothing real) or qemu (real VMs from the lab template, in the lab network; needs root)',
    parseBackend,
    'simulated' as const,
  )
  .option('--vm-dir <dir>', 'with --backend qemu: where VM disks, seeds and logs live')
  .option('--snippets-dir <dir>', "with --backend qemu: the `local` storage's snippets (for cicustom)")
  .option('--accel <accel>', 'with --backend qemu: auto, kvm or tcg', parseAccel, 'auto' as const)
  .exitOverride()
  .configureOutput({ writeErr: () => {} });

function fail(sentence: string): never {
  process.stderr.write(`pve-sim: ${sentence}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  try {
    program.parse();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      // A token argument carries a secret: never repeat it back.
      const message = error.message
        .replace(/^error: /, '')
        .replace(/(--token <[^>]*>' argument )'[^']*'/, '$1(hidden)');
      fail(`${message} Run 'pnpm pve-sim --help' for the flags.`);
    }
    throw error;
  }
  const cli = program.opts<CliOptions>();
  if (cli.caOut && !cli.tls) fail('--ca-out needs --tls: add --tls or drop --ca-out.');

  const lab = cli.backend === 'qemu' ? await startLab(cli) : undefined;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator({ ...toSimulatorOptions(cli), backend: lab?.backend });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${cli.port} on ${cli.host} is already in use: pass another --port (0 picks a free one).`);
    if (code === 'EADDRNOTAVAIL')
      fail(`address ${cli.host} is not on this machine: pass --host 127.0.0.1 or one of its addresses.`);
    if (code === 'EACCES')
      fail(`not allowed to listen on port ${cli.port}: use a port above 1023 or run as root.`);
    await lab?.close();
    if (error instanceof StateFileError) fail(error.message);
    throw error;
  }
  if (cli.caOut && sim.caPem) writeFileSync(cli.caOut, sim.caPem);

  const tokens = cli.token.length > 0 ? cli.token.map((t) => t.id) : [DEFAULT_SIM_TOKEN.id];
  const lines = [
    `Proxmox VE ${cli.pveVersion} simulator listening on ${sim.url}/api2/json (profile ${cli.profile}, time scale ${cli.timeScale})`,
    `  nodes: ${sim.state.nodes.map((n) => n.name).join(', ')}; template VM: ${sim.state.vms
      .filter((v) => v.config.template === '1')
      .map((v) => v.vmid)
      .join(', ')}`,
    `  API tokens accepted: ${tokens.join(', ')}${cli.token.length > 0 ? '' : ' (secret: see .env.example)'}`,
    `  PROXMOX_HOST=${sim.url}`,
  ];
  if (lab) {
    lines.push(
      `  backend: qemu — VMs in network namespace ${lab.network.netns} (10.77.0.0/24, routed from this host), disks in ${lab.stateDir}`,
      `  snippets (storage local): ${lab.snippetsDir}`,
    );
  }
  if (sim.fingerprint) lines.push(`  PROXMOX_TLS_FINGERPRINT=${sim.fingerprint}`);
  if (cli.caOut) lines.push(`  PROXMOX_CA_FILE=${cli.caOut}`);
  lines.push(`  faults: POST ${sim.url}/_sim/faults  (e.g. {"kind":"node_offline","node":"pve2"})`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = async () => {
    await sim.close();
    await lab?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function startLab(cli: CliOptions): Promise<LabBackend> {
  if (process.getuid?.() !== 0) fail('--backend qemu needs root (network namespaces, taps): run it as root.');
  const missing = await missingLabTools();
  if (missing.length > 0)
    fail(`--backend qemu needs ${missing.join(', ')}: run 'apt-get install -y ${missing.join(' ')}'.`);
  const logger = pino({ base: undefined }, pino.destination(2));
  return startLabBackend({
    stateDir: cli.vmDir,
    snippetsDir: cli.snippetsDir,
    accel: cli.accel,
    logger,
  });
}

main().catch((error: unknown) =>
  fail(`could not start: ${error instanceof Error ? error.message : String(error)}`),
);
