// The VmBackend that makes real disks (qcow2 files) and real machines (QEMU processes) for the simulator.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { type Accel, type AccelChoice, chooseAccel } from '@guildserver/lab';
import { sleep } from '@guildserver/timing';
import { type AgentCommand, AgentNotRunningError, type VmBackend } from '../backend.js';
import type { SimBackup, SimVm } from '../cluster/model.js';
import { disksOf, parseDisk } from '../cluster/vm-config.js';
import type { TaskLog } from '../tasks/runner.js';
import {
  archivedDisks,
  archivedImage,
  BackupArchives,
  convertFromArchive,
  convertIntoArchive,
  createArchiveImage,
  DISK_COPY_TIMEOUT_MS,
  virtualSizeOf,
  wantsCompression,
} from './archives.js';
import { backupRunningDisks, humanBytes } from './backup-job.js';
import { nocloudSeedFiles } from './cloud-init-seed.js';
import { GuestAgentClient } from './guest-agent.js';
import { type HostDns, readHostDns } from './host-dns.js';
import { DiskImages, ownVolumeName } from './images.js';
import { agentEnabled, type DirectBoot, launchQemu, nicsOf, qemuCommand, tapName } from './machine.js';
import { type VmPaths, vmPaths } from './paths.js';
import { QmpClient } from './qmp.js';
import { writeSeedIso } from './seed-iso.js';
import { forgetTaps, recordTaps, recoverStale } from './stale.js';
import { receiveState, sendState } from './state-stream.js';

/** The lab network: a namespace with a bridge, where each VM's taps are made. */
export interface LabNetwork {
  netns: string;
  addTap(name: string): Promise<void>;
  removeTap(name: string): Promise<void>;
}

/** The part of a pino logger the backend uses. */
export interface BackendLogger {
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
}

export interface QemuBackendOptions {
  /** Disk images, seeds, sockets, logs and pid files live here. */
  stateDir: string;
  /** The template VM's disk (never written) and the kernel every VM boots directly. */
  template: { vmid: number; disk: string } & DirectBoot;
  /** PVE's `local` storage snippets directory (`local:snippets/x.yaml` → `<snippetsDir>/x.yaml`). */
  snippetsDir: string;
  /** Tap networking in the lab namespace; without it QEMU's user networking (tests only). */
  network?: LabNetwork;
  accel?: AccelChoice;
  logger?: BackendLogger;
  /** The node's DNS for seeds of VMs that name none (PVE reads the node's resolv.conf; so does the default). */
  hostDns?: HostDns;
}

interface Machine {
  vmid: number;
  child: ChildProcess;
  paths: VmPaths;
  taps: string[];
  agent: GuestAgentClient;
  qmp?: QmpClient;
  /** Set once start() has finished: only then is an exit of the machine news. */
  running: boolean;
  /** Set while the backend itself ends the machine (stop, shutdown, reboot). */
  exitExpected: boolean;
  /** Resolves once the process is gone and its taps and sockets are cleaned up. */
  gone: Promise<void>;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  spawnError?: string;
}

const QMP_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
/** PVE's shutdown time-out when none is given (reboot passes none). */
const REBOOT_SHUTDOWN_TIMEOUT_MS = 60_000;
/** How long saving or loading a VM's state (its RAM, to or from a local file) may take. */
const STATE_TRANSFER_TIMEOUT_MS = 10 * 60_000;
const STATE_POLL_MS = 50;
/** No bandwidth cap for a state going to a local file (QEMU's default is that of a network migration). */
const STATE_MAX_BANDWIDTH = 2 ** 40;

const QGA_COMMANDS: Record<AgentCommand, string> = {
  ping: 'guest-ping',
  'network-get-interfaces': 'guest-network-get-interfaces',
  'get-host-name': 'guest-get-host-name',
};

const silentLogger: BackendLogger = { info: () => {}, warn: () => {} };

export function createQemuBackend(options: QemuBackendOptions): VmBackend {
  const logger = options.logger ?? silentLogger;
  const images = new DiskImages(options.stateDir, options.template);
  const archives = new BackupArchives(options.stateDir);
  const machines = new Map<number, Machine>();
  /** VMs between the start call and their process being tracked (seed, taps). */
  const starting = new Set<number>();
  const exitListeners = new Set<(vmid: number) => void>();
  const network = options.network;
  let accel: Accel | undefined;

  const ready = (async () => {
    const choice = chooseAccel(options.accel ?? 'auto');
    accel = choice.accel;
    logger.info(
      { accel, reason: choice.reason },
      accel === 'kvm' ? 'qemu backend: KVM acceleration' : 'qemu backend: TCG emulation',
    );
    try {
      const killed = await recoverStale(options.stateDir, {
        removeTap: network ? (name) => network.removeTap(name) : undefined,
        warn: (message) => logger.warn({}, message),
      });
      if (killed.length > 0)
        logger.warn({ vmids: killed }, 'killed QEMU processes left over from an earlier run');
    } catch (error) {
      logger.warn({ error: (error as Error).message }, 'could not recover leftovers of an earlier run');
    }
    return options.hostDns ?? (await readHostDns());
  })();
  // Surfaces in the first call; an unobserved rejection must not crash the process before that.
  ready.catch(() => {});

  function machineOf(vmid: number): Machine | undefined {
    return machines.get(vmid);
  }

  async function waitGone(machine: Machine, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((done) => {
      timer = setTimeout(() => done(false), timeoutMs);
    });
    const result = await Promise.race([machine.gone.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  async function cleanUp(machine: Machine): Promise<void> {
    machine.qmp?.close();
    for (const tap of machine.taps) {
      await network?.removeTap(tap).catch((error: unknown) => {
        logger.warn({ vmid: machine.vmid, tap, error: (error as Error).message }, 'could not remove tap');
      });
    }
    await forgetTaps(machine.paths.dir);
    const { pidFile, qmpSocket, qgaSocket, stateSocket } = machine.paths;
    for (const file of [pidFile, qmpSocket, qgaSocket, stateSocket]) await rm(file, { force: true });
  }

  function track(vmid: number, child: ChildProcess, paths: VmPaths, taps: string[]): Machine {
    let settle!: () => void;
    const machine: Machine = {
      vmid,
      child,
      paths,
      taps,
      agent: new GuestAgentClient(paths.qgaSocket, { label: `VM ${vmid}` }),
      running: false,
      exitExpected: false,
      gone: new Promise<void>((done) => {
        settle = done;
      }),
      exitCode: null,
      exitSignal: null,
    };
    let finished = false;
    const finish = async (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      machine.exitCode = code;
      machine.exitSignal = signal;
      await cleanUp(machine);
      if (machines.get(vmid) === machine) machines.delete(vmid);
      const news = machine.running && !machine.exitExpected;
      logger.info({ vmid, code, signal, expected: !news }, 'QEMU exited');
      settle();
      if (news) for (const listener of exitListeners) listener(vmid);
    };
    child.once('exit', (code, signal) => void finish(code, signal));
    child.once('error', (error) => {
      machine.spawnError = error.message;
      void finish(null, null);
    });
    machines.set(vmid, machine);
    return machine;
  }

  async function connectQmp(machine: Machine): Promise<QmpClient> {
    const deadline = Date.now() + QMP_READY_TIMEOUT_MS;
    let exited = false;
    void machine.gone.then(() => {
      exited = true;
    });
    for (;;) {
      if (exited && machine.spawnError) throw new Error(`could not run QEMU: ${machine.spawnError}`);
      if (exited) throw new Error(`QEMU exited with code ${machine.exitCode ?? machine.exitSignal}`);
      try {
        return await QmpClient.connect(machine.paths.qmpSocket, 2_000);
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`QEMU did not answer on its QMP socket within ${QMP_READY_TIMEOUT_MS / 1000} s`);
        }
        await sleep(50);
      }
    }
  }

  async function qemuOutputTail(paths: VmPaths): Promise<string[]> {
    const text = await readFile(paths.qemuLog, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).slice(-20);
  }

  /** Boots the VM, or with `stateFile` carries on from the state `hibernate` saved there. */
  async function start(vm: SimVm, log: TaskLog, stateFile?: string): Promise<void> {
    const hostDns = await ready;
    if (machineOf(vm.vmid) || starting.has(vm.vmid)) throw new Error(`VM ${vm.vmid} already running`);
    starting.add(vm.vmid);
    try {
      await launch(vm, log, hostDns, stateFile);
    } finally {
      starting.delete(vm.vmid);
    }
  }

  /**
   * Loads a saved state into a machine started with `-incoming defer` (paused: `-S`), then lets it run. A state
   * QEMU cannot load makes it exit.
   */
  async function loadState(machine: Machine, stateFile: string): Promise<void> {
    const qmp = machine.qmp!;
    const socket = machine.paths.stateSocket;
    await qmp.execute('migrate-incoming', { uri: `unix:${socket}` });
    await sendState(socket, stateFile);
    const deadline = Date.now() + STATE_TRANSFER_TIMEOUT_MS;
    while ((await qmp.execute<{ status: string }>('query-status')).status === 'inmigrate') {
      if (Date.now() > deadline) throw new Error('loading the VM state timed out');
      await sleep(STATE_POLL_MS);
    }
    await qmp.execute('cont');
  }

  async function launch(vm: SimVm, log: TaskLog, hostDns: HostDns, stateFile?: string): Promise<void> {
    const paths = vmPaths(options.stateDir, vm.vmid);
    await mkdir(paths.dir, { recursive: true });
    for (const file of [paths.pidFile, paths.qmpSocket, paths.qgaSocket, paths.stateSocket])
      await rm(file, { force: true });

    const hasCloudInit = disksOf(vm.config).some((disk) => disk.isCloudInit);
    if (hasCloudInit) {
      const files = await nocloudSeedFiles(vm.config, vm.vmid, {
        snippetDirs: { local: options.snippetsDir },
        hostDns,
      });
      await writeSeedIso(files, paths.seedIso);
    }

    const command = qemuCommand({
      vmid: vm.vmid,
      config: vm.config,
      accel: accel!,
      paths,
      boot: options.template,
      diskFile: (volume) => images.fileOf(volume),
      seedIso: hasCloudInit ? paths.seedIso : undefined,
      netns: network?.netns,
      incoming: stateFile !== undefined,
    });
    const taps = network ? nicsOf(vm.config).map((nic) => tapName(vm.vmid, nic.index)) : [];
    let child: ChildProcess;
    await recordTaps(paths.dir, taps);
    try {
      for (const tap of taps) await network!.addTap(tap);
      child = launchQemu(command, paths);
    } catch (error) {
      for (const tap of taps) await network!.removeTap(tap).catch(() => {});
      await forgetTaps(paths.dir);
      throw error;
    }
    const machine = track(vm.vmid, child, paths, taps);
    try {
      machine.qmp = await connectQmp(machine);
      if (stateFile) await loadState(machine, stateFile);
      const status = await machine.qmp.execute<{ status: string }>('query-status');
      if (status.status !== 'running') throw new Error(`QEMU is ${status.status}, not running`);
    } catch (error) {
      machine.exitExpected = true;
      machine.child.kill('SIGKILL');
      await machine.gone;
      for (const line of await qemuOutputTail(paths)) log.info(line);
      throw new Error(`start failed: ${(error as Error).message}`);
    }
    machine.running = true;
    logger.info({ vmid: vm.vmid, pid: machine.child.pid, accel }, 'VM started');
  }

  async function stopMachine(machine: Machine): Promise<void> {
    machine.exitExpected = true;
    await machine.qmp?.execute('quit', undefined, 5_000).catch(() => {});
    if (await waitGone(machine, STOP_GRACE_MS)) return;
    logger.warn({ vmid: machine.vmid }, 'QEMU ignored quit; killing it');
    machine.child.kill('SIGKILL');
    await machine.gone;
  }

  async function stop(vm: SimVm): Promise<void> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (machine) await stopMachine(machine);
  }

  /** As PVE: through the guest agent when it is configured and answers, else an ACPI power button press. */
  async function shutdown(vm: SimVm, timeoutMs: number): Promise<boolean> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (!machine) return true;
    machine.exitExpected = true;
    const agentAnswers =
      agentEnabled(vm.config) &&
      (await machine.agent.execute('guest-ping').then(
        () => true,
        () => false,
      ));
    try {
      if (agentAnswers) await machine.agent.shutdown();
      else await machine.qmp?.execute('system_powerdown');
    } catch (error) {
      if (!(await waitGone(machine, 0))) {
        machine.exitExpected = false;
        throw new Error(`VM quit/powerdown failed: ${(error as Error).message}`);
      }
    }
    if (await waitGone(machine, timeoutMs)) return true;
    machine.exitExpected = false;
    return false;
  }

  /**
   * PVE's reboot: a shutdown and then a new QEMU process, so the config (pending changes already applied by
   * the caller) and a freshly generated cloud-init seed take effect.
   */
  async function reboot(vm: SimVm, log: TaskLog): Promise<void> {
    await ready;
    if (!machineOf(vm.vmid)) throw new Error(`VM ${vm.vmid} not running`);
    if (!(await shutdown(vm, REBOOT_SHUTDOWN_TIMEOUT_MS))) {
      throw new Error('VM quit/powerdown failed - got timeout');
    }
    await start(vm, log);
  }

  async function runningQmp(vm: SimVm): Promise<QmpClient> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (!machine?.qmp || !machine.running) throw new Error(`VM ${vm.vmid} not running`);
    return machine.qmp;
  }

  /** Waits for an outgoing migration to end; rejects when it failed, or the machine went away. */
  async function migrationCompleted(machine: Machine): Promise<void> {
    const deadline = Date.now() + STATE_TRANSFER_TIMEOUT_MS;
    for (;;) {
      const info = await machine.qmp!.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (info.status === 'completed') return;
      if (info.status === 'failed' || info.status === 'cancelled')
        throw new Error(`migration ${info.status}${info['error-desc'] ? `: ${info['error-desc']}` : ''}`);
      if (Date.now() > deadline) throw new Error('saving the VM state timed out');
      await sleep(STATE_POLL_MS);
    }
  }

  /**
   * Suspend to disk: the guest paused (each page of RAM then written once, all of it from one instant), its
   * state migrated into the state volume's file, then QEMU quits. A failed save removes the file and lets the
   * guest run on, as PVE's savevm-end does.
   */
  async function hibernate(vm: SimVm, stateVolume: string, log: TaskLog): Promise<void> {
    const qmp = await runningQmp(vm);
    const machine = machineOf(vm.vmid)!;
    const file = images.stateFileOf(stateVolume);
    await mkdir(images.dir, { recursive: true });
    const began = Date.now();
    const { status } = await qmp.execute<{ status: string }>('query-status');
    const receiver = await receiveState(machine.paths.stateSocket, file);
    let bytes: number;
    try {
      await qmp.execute('stop');
      await qmp.execute('migrate-set-parameters', { 'max-bandwidth': STATE_MAX_BANDWIDTH });
      await qmp.execute('migrate', { uri: `unix:${machine.paths.stateSocket}` });
      await migrationCompleted(machine);
      bytes = await receiver.written;
    } catch (error) {
      await rm(file, { force: true });
      // `cont` also takes back the disks a completed migration handed over.
      if (status === 'running') await qmp.execute('cont').catch(() => {});
      throw new Error(`unable to save VM state: ${(error as Error).message}`);
    } finally {
      await receiver.close();
    }
    const seconds = Math.max(1, Math.round((Date.now() - began) / 1000));
    log.info(`saved VM state: ${humanBytes(bytes)} in ${seconds} s`);
    logger.info({ vmid: vm.vmid, file, bytes, seconds }, 'VM state saved');
    await stopMachine(machine);
  }

  async function resumeFromState(vm: SimVm, stateVolume: string, log: TaskLog): Promise<void> {
    const file = images.stateFileOf(stateVolume);
    if (!existsSync(file)) throw new Error(`no saved state for '${stateVolume}' (${file})`);
    await start(vm, log, file);
    logger.info({ vmid: vm.vmid, file }, 'VM resumed from its saved state');
  }

  async function removeState(_vm: SimVm, stateVolume: string): Promise<void> {
    await rm(images.stateFileOf(stateVolume), { force: true });
  }

  /** PVE's reset: the machine's reset line, same process and config (QMP `system_reset`). */
  async function reset(vm: SimVm): Promise<void> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (!machine?.qmp) throw new Error(`VM ${vm.vmid} not running`);
    await machine.qmp.execute('system_reset');
  }

  async function agent(vm: SimVm, command: AgentCommand): Promise<unknown> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (!machine?.running) throw new AgentNotRunningError();
    if (!agentEnabled(vm.config)) throw new Error('No QEMU guest agent configured');
    return machine.agent.execute(QGA_COMMANDS[command]);
  }

  async function cloneDisks(source: SimVm, clone: SimVm, full: boolean, log: TaskLog): Promise<void> {
    await ready;
    const made: string[] = [];
    try {
      for (const disk of disksOf(clone.config)) {
        if (disk.isCloudInit || clone.config[disk.key]!.includes('media=cdrom')) continue;
        const sourceValue = source.config[disk.key];
        const sourceDisk = sourceValue ? parseDisk(disk.key, sourceValue) : undefined;
        if (!sourceDisk) throw new Error(`clone failed: source has no drive '${disk.key}'`);
        const volume = ownVolumeName(disk.volume);
        if (full) await images.copyFull(sourceDisk.volume, volume);
        else await images.createLinked(sourceDisk.volume, volume);
        made.push(volume);
        if (disk.sizeBytes > 0) await images.growTo(volume, disk.sizeBytes);
        if (full) log.info(`drive ${disk.key}: copied ${sourceDisk.storage}:${sourceDisk.volume}`);
      }
    } catch (error) {
      for (const volume of made) await images.remove(volume).catch(() => {});
      throw error;
    }
  }

  async function makeBase(vm: SimVm, volume: string, baseVolume: string, log: TaskLog): Promise<void> {
    await ready;
    if (machineOf(vm.vmid)) throw new Error(`VM ${vm.vmid} is running`);
    await images.makeBase(ownVolumeName(volume), ownVolumeName(baseVolume));
    log.info(`converted '${volume}' to base volume '${baseVolume}'`);
  }

  async function resizeDisk(vm: SimVm, diskKey: string, sizeBytes: number): Promise<void> {
    await ready;
    const value = vm.config[diskKey];
    const disk = value ? parseDisk(diskKey, value) : undefined;
    if (!disk) throw new Error(`disk '${diskKey}' does not exist`);
    const machine = machineOf(vm.vmid);
    if (machine?.qmp) {
      await machine.qmp.execute('block_resize', { device: `drive-${diskKey}`, size: sizeBytes });
    } else {
      await images.growTo(ownVolumeName(disk.volume), sizeBytes);
    }
  }

  async function destroy(vm: SimVm, _log: TaskLog): Promise<void> {
    await ready;
    const machine = machineOf(vm.vmid);
    if (machine) await stopMachine(machine);
    const removed = await images.removeAllOf(vm.vmid);
    if (removed.length > 0) logger.info({ vmid: vm.vmid, volumes: removed }, 'removed disk images');
    await rm(vmPaths(options.stateDir, vm.vmid).dir, { recursive: true, force: true });
  }

  /**
   * PVE's guest-agent fs-freeze around the start of a running VM's backup: what the guest has written (its page
   * cache) reaches the disk first. Resolves with the thaw to call once the backup jobs run (a no-op when the
   * agent is not configured or does not answer: the backup then is of the disk as it is).
   */
  async function freezeGuest(vm: SimVm, machine: Machine, log: TaskLog): Promise<() => Promise<void>> {
    const thawed = async () => {};
    if (!agentEnabled(vm.config)) return thawed;
    if (
      !(await machine.agent.execute('guest-ping').then(
        () => true,
        () => false,
      ))
    ) {
      log.info("INFO: skipping guest-agent 'fs-freeze', agent configured but not running?");
      return thawed;
    }
    log.info("INFO: issuing guest-agent 'fs-freeze' command");
    try {
      await machine.agent.execute('guest-fsfreeze-freeze');
    } catch (error) {
      log.info(`ERROR: unable to freeze guest fs - ${(error as Error).message}`);
    }
    // Thawed even when the freeze failed: it may have frozen some filesystems before it did.
    return async () => {
      log.info("INFO: issuing guest-agent 'fs-thaw' command");
      await machine.agent.execute('guest-fsfreeze-thaw').catch((error: unknown) => {
        log.info(`ERROR: unable to thaw guest fs - ${(error as Error).message}`);
      });
    };
  }

  /** A running VM's disks, copied by QMP backup jobs (point in time: the jobs' start) while it runs on. */
  async function backupRunning(
    vm: SimVm,
    machine: Machine,
    disks: { device: string; volume: string; target: string }[],
    compress: boolean,
    log: TaskLog,
  ): Promise<number> {
    for (const disk of disks) {
      const { virtualSize } = await images.info(disk.volume);
      await createArchiveImage(disk.target, virtualSize, compress);
    }
    let thaw: (() => Promise<void>) | undefined;
    const thawOnce = async () => {
      const pending = thaw;
      thaw = undefined;
      await pending?.();
    };
    try {
      return await backupRunningDisks(machine.qmp!, disks, {
        compress,
        beforeStart: async () => {
          thaw = await freezeGuest(vm, machine, log);
        },
        started: async (jobsRunning) => {
          if (jobsRunning) log.info(`INFO: started backup task '${randomUUID()}'`);
          await thawOnce();
        },
        progress: (line) => log.info(line),
        gone: machine.gone,
        timeoutMs: DISK_COPY_TIMEOUT_MS,
      });
    } finally {
      await thawOnce();
    }
  }

  /**
   * vzdump's part that touches the disks: their archive (see archives.ts), consistent at one point in time.
   * A running VM keeps running (snapshot mode: QMP backup jobs with the guest's filesystems frozen while they
   * start); a stopped VM's images are converted as they are. Records the archive's real size on `backup`.
   */
  async function backupDisks(vm: SimVm, backup: SimBackup, log: TaskLog): Promise<void> {
    await ready;
    const compress = wantsCompression(backup);
    const disks = archivedDisks(vm.config).map((disk) => ({
      key: disk.key,
      device: `drive-${disk.key}`,
      volume: disk.volume,
      source: images.fileOf(disk.volume),
    }));
    for (const disk of disks) {
      if (!existsSync(disk.source)) throw new Error(`no disk image for '${disk.key}' (${disk.source})`);
    }
    const began = Date.now();
    const partial = await archives.begin(backup);
    try {
      const targets = disks.map((disk) => ({ ...disk, target: archivedImage(partial, disk.key) }));
      const machine = machineOf(vm.vmid);
      let bytes = 0;
      if (machine && !machine.qmp) throw new Error(`VM ${vm.vmid} is starting or stopping`);
      if (machine && targets.length > 0) {
        bytes = await backupRunning(vm, machine, targets, compress, log);
      } else {
        for (const disk of targets) {
          await convertIntoArchive(disk.source, disk.target, compress);
          bytes += (await images.info(disk.volume)).virtualSize;
        }
      }
      const seconds = Math.max(1, Math.round((Date.now() - began) / 1000));
      log.info(
        `INFO: transferred ${humanBytes(bytes)} in ${seconds} seconds (${humanBytes(bytes / seconds)}/s)`,
      );
      const { dir, bytes: size } = await archives.commit(backup, partial);
      backup.size = size;
      logger.info({ vmid: vm.vmid, volid: backup.volid, dir, size, seconds }, 'backup archive written');
    } catch (error) {
      await archives.abandon(partial);
      throw error;
    }
  }

  /**
   * qmrestore's part that touches the disks: each disk of the restored config rebuilt from the archive's image
   * of the same drive (a standalone image: no backing file), then the VM's old images replaced.
   */
  async function restoreDisks(vm: SimVm, backup: SimBackup, log: TaskLog): Promise<void> {
    await ready;
    if (machineOf(vm.vmid) || starting.has(vm.vmid)) throw new Error(`VM ${vm.vmid} is running`);
    const archive = archives.existing(backup);
    const staged: { file: string; volume: string }[] = [];
    const began = Date.now();
    try {
      let bytes = 0;
      for (const disk of archivedDisks(vm.config)) {
        const image = archivedImage(archive, disk.key);
        if (!existsSync(image)) throw new Error(`archive '${archive}' has no disk for '${disk.key}'`);
        const volume = ownVolumeName(disk.volume);
        const file = await images.stagingFile(volume);
        log.info(`map 'drive-${disk.key}' to '${images.fileOf(volume)}'`);
        staged.push({ file, volume });
        await convertFromArchive(image, file);
        bytes += await virtualSizeOf(file);
      }
      const removed = await images.removeAllOf(vm.vmid);
      if (removed.length > 0) logger.info({ vmid: vm.vmid, volumes: removed }, 'removed disk images');
      for (const { file, volume } of staged) await images.adopt(file, volume);
      staged.length = 0;
      const seconds = Math.max(1, Math.round((Date.now() - began) / 1000));
      log.info(`total bytes read ${bytes}, duration ${seconds} sec`);
    } finally {
      for (const { file } of staged) await rm(file, { force: true });
    }
  }

  async function removeBackup(backup: SimBackup, _log: TaskLog): Promise<void> {
    if (await archives.remove(backup)) logger.info({ volid: backup.volid }, 'removed backup archive');
  }

  async function close(): Promise<void> {
    await ready.catch(() => {});
    await Promise.all([...machines.values()].map(stopMachine));
  }

  return {
    kind: 'qemu',
    cloneDisks,
    makeBase,
    resizeDisk,
    backupDisks,
    restoreDisks,
    removeBackup,
    destroy,
    start,
    stop,
    shutdown,
    reboot,
    reset,
    pause: async (vm) => {
      await (await runningQmp(vm)).execute('stop');
    },
    unpause: async (vm) => {
      await (await runningQmp(vm)).execute('cont');
    },
    hibernate,
    resumeFromState,
    removeState,
    agent,
    onExit: (listener) => {
      exitListeners.add(listener);
    },
    close,
  };
}
