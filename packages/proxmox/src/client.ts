import { type WaitForIpv4Options, waitForIpv4 } from './agent/wait-for-ipv4';
import { agentApi } from './api/agent';
import { backupApi } from './api/backup';
import { clusterApi } from './api/cluster';
import { nodesApi } from './api/nodes';
import { qemuApi } from './api/qemu';
import { qemuPowerApi } from './api/qemu-power';
import { snapshotApi } from './api/snapshot';
import { storageApi } from './api/storage';
import { tasksApi } from './api/tasks';
import type { VmRef } from './api/types';
import { versionApi } from './api/version';
import { createHttp } from './http/transport';
import { silentLogger } from './logger';
import type { ProxmoxClientOptions } from './options';
import { type WaitForTaskOptions, waitForTask } from './tasks/wait-for-task';
import type { Upid } from './upid';

export function createProxmoxClient(options: ProxmoxClientOptions) {
  const http = createHttp(options, options.logger ?? silentLogger);
  const tasks = tasksApi(http);
  const agent = agentApi(http);
  return {
    version: versionApi(http),
    nodes: nodesApi(http),
    cluster: clusterApi(http),
    storage: storageApi(http),
    qemu: qemuApi(http),
    power: qemuPowerApi(http),
    agent,
    tasks,
    backup: backupApi(http),
    snapshot: snapshotApi(http),
    waitForTask: (upid: Upid, waitOptions?: WaitForTaskOptions) => waitForTask(tasks, upid, waitOptions),
    waitForIpv4: (vm: VmRef, waitOptions?: WaitForIpv4Options) => waitForIpv4(agent, vm, waitOptions),
    /** Closes the connection pool; in-flight requests finish first. */
    close: () => http.close(),
  };
}

export type ProxmoxClient = ReturnType<typeof createProxmoxClient>;
