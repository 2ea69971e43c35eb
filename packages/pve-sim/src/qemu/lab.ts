// The real-VM lab behind the simulator: template 9000's disk and kernel from `@guildserver/lab` (built once,
// cached), the lab network namespace the VMs live in, and the QEMU backend that makes them.
import { join } from 'node:path';
import {
  type AccelChoice,
  buildTemplate,
  cacheDir,
  type LabNetwork,
  startLabNetwork,
  type TemplateImage,
} from '@guildserver/lab';
import type { VmBackend } from '../backend.js';
import { type BackendLogger, createQemuBackend } from './qemu-backend.js';

export interface LabBackendOptions {
  /** Disk images, seeds, sockets and logs of the VMs (default $GUILDSERVER_CACHE_DIR/lab-vms). */
  stateDir?: string;
  /** PVE's `local` snippets (`local:snippets/x.yaml`); default `<stateDir>/snippets`. */
  snippetsDir?: string;
  /** TCP ports on the host's lab address the VMs may reach besides the apt proxy (e.g. the API). */
  allowedHostPorts?: number[];
  accel?: AccelChoice;
  templateVmid?: number;
  logger?: BackendLogger;
}

export interface LabBackend {
  backend: VmBackend;
  network: LabNetwork;
  template: TemplateImage;
  stateDir: string;
  snippetsDir: string;
  /** Stops every VM, then takes the network down. */
  close(): Promise<void>;
}

export async function startLabBackend(options: LabBackendOptions = {}): Promise<LabBackend> {
  const logger = options.logger;
  const log = (line: string) => logger?.info({ component: 'lab' }, line);
  const template = await buildTemplate({ log });
  log(
    template.built
      ? `template image built in ${template.seconds} s`
      : `template image reused from ${template.dir}`,
  );
  const network = await startLabNetwork({ log, allowedHostPorts: options.allowedHostPorts });
  const stateDir = options.stateDir ?? join(cacheDir(), 'lab-vms');
  const snippetsDir = options.snippetsDir ?? join(stateDir, 'snippets');
  const backend = createQemuBackend({
    stateDir,
    snippetsDir,
    template: {
      vmid: options.templateVmid ?? 9000,
      disk: template.disk,
      kernel: template.kernel,
      initrd: template.initrd,
      append: template.append,
    },
    network,
    accel: options.accel,
    logger,
  });
  let closing: Promise<void> | undefined;
  return {
    backend,
    network,
    template,
    stateDir,
    snippetsDir,
    close: () => {
      closing ??= backend.close().finally(() => network.stop());
      return closing;
    },
  };
}
