#!/usr/bin/env node
// `guildserver`: the operator's command line. Today: `up` (simulator + demo) and `demo` (against PROXMOX_*).
import { ConfigError } from '@guildserver/config';
import { createProxmoxClient, ProxmoxError, toProxmoxClientOptions } from '@guildserver/proxmox';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { readCliEnvironment } from './config.js';
import { consoleReporter } from './console-reporter.js';
import { type DemoSettings, runDemo } from './demo-flow.js';
import { DEFAULT_SIM_TOKEN, startEmbeddedSimulator } from './embedded-simulator.js';

const print = (line = '') => process.stdout.write(`${line}\n`);

function fail(sentence: string): never {
  process.stderr.write(`guildserver: ${sentence}\n`);
  process.exit(1);
}

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('it must be a number above 0.');
  return n;
};
const port = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('it must be a whole number from 0 to 65535.');
  return Number(value);
};

const program = new Command('guildserver')
  .description('GuildServer: game servers for a Discord community on its own Proxmox VE cluster.')
  .exitOverride()
  .configureOutput({ writeErr: () => {} });

program
  .command('up')
  .description(
    'start GuildServer on embedded defaults: a simulated Proxmox VE cluster, then a short client demo',
  )
  .option('--port <port>', 'simulator port (falls back to a free one when taken)', port, 8006)
  .option('--time-scale <factor>', 'speed of simulated work (1 = realistic durations)', positiveNumber, 0.2)
  .option('--exit-after-demo', 'stop once the demo is done instead of serving until Ctrl-C', false)
  .action(async (options: { port: number; timeScale: number; exitAfterDemo: boolean }) => {
    const env = readCliEnvironment(process.env, false);
    const logger = pino({ level: env.logLevel }, pino.destination(2));
    const sim = await startEmbeddedSimulator({ port: options.port, timeScale: options.timeScale });
    print(`GuildServer — simulated Proxmox VE ${sim.version} cluster at ${sim.url}/api2/json`);
    print(`  certificate fingerprint (pinned by the client): ${sim.fingerprint}`);
    print();
    const pve = createProxmoxClient({
      baseUrl: sim.url,
      auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
      tls: { fingerprint: sim.fingerprint },
      logger,
    });
    try {
      const result = await runDemo(
        pve,
        demoDefaults({ node: 'pve', templateVmid: 9000, bridge: 'vmbr0' }),
        consoleReporter(),
      );
      print();
      print(
        `Demo finished: VM ${result.vmid} was cloned, configured, started (IPv4 ${result.ipv4}), stopped and deleted.`,
      );
    } finally {
      await pve.close();
    }
    if (options.exitAfterDemo) {
      await sim.close();
      return;
    }
    print();
    print('The simulator keeps running. Point any Proxmox client at it:');
    print(`  PROXMOX_HOST=${sim.url}  PROXMOX_NODE=pve  PROXMOX_TOKEN_ID=${DEFAULT_SIM_TOKEN.id}`);
    print(`  PROXMOX_TLS_FINGERPRINT=${sim.fingerprint}  (token secret: see .env.example)`);
    print('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await sim.close();
  });

program
  .command('demo')
  .description(
    'run the same demo against the Proxmox VE cluster configured by PROXMOX_* (creates and deletes one VM)',
  )
  .option('--first-vmid <id>', 'lowest VM id the demo may use', (v) => port(v) || 10000, 10000)
  .option('--keep', 'leave the demo VM running instead of deleting it', false)
  .action(async (options: { firstVmid: number; keep: boolean }) => {
    const env = readCliEnvironment(process.env, true);
    const config = env.proxmox!;
    const logger = pino({ level: env.logLevel }, pino.destination(2));
    const pve = createProxmoxClient(toProxmoxClientOptions(config, { logger }));
    try {
      const result = await runDemo(
        pve,
        {
          ...demoDefaults({
            node: config.node,
            templateVmid: config.baseImageVmid,
            bridge: config.networkBridge,
          }),
          vlanTag: config.vlanTag,
          sshPublicKeys: config.sshPublicKeys,
          firstVmid: options.firstVmid,
          keepVm: options.keep,
          taskTimeoutMs: config.cloneTimeoutSeconds * 1000,
        },
        consoleReporter(),
      );
      print(
        `Demo finished on ${config.node}: VM ${result.vmid} reached ${result.ipv4}${result.deleted ? ' and was deleted' : ' and is still running'}.`,
      );
    } finally {
      await pve.close();
    }
  });

function demoDefaults(where: Pick<DemoSettings, 'node' | 'templateVmid' | 'bridge'>): DemoSettings {
  return {
    ...where,
    sshPublicKeys: [],
    firstVmid: 10000,
    keepVm: false,
    taskTimeoutMs: 600_000,
    ipTimeoutMs: 300_000,
  };
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      fail(`${error.message.replace(/^error: /, '')} Run 'pnpm guildserver --help' for the commands.`);
    }
    if (error instanceof ConfigError) fail(error.message);
    if (error instanceof ProxmoxError) fail(error.message);
    fail(error instanceof Error ? error.message : String(error));
  }
}

void main();
