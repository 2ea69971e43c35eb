import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';

export interface EmbeddedSimulatorOptions {
  port: number;
  timeScale: number;
  /** Keep the simulated cluster in this JSON file across restarts (so it matches the API's database). */
  statePath?: string;
}

/** `up` runs the simulator in-process over TLS, like a fresh PVE node with its self-signed certificate. */
export async function startEmbeddedSimulator(options: EmbeddedSimulatorOptions): Promise<RunningSimulator> {
  const settings = {
    tls: true,
    profile: 'realistic' as const,
    timeScale: options.timeScale,
    statePath: options.statePath,
  };
  try {
    return await startSimulator({ ...settings, port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port === 0) throw error;
    // Port 8006 is taken (another simulator or a real PVE on this host): any free port will do.
    return startSimulator({ ...settings, port: 0 });
  }
}

export { DEFAULT_SIM_TOKEN };
