import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';

export interface EmbeddedSimulatorOptions {
  port: number;
  timeScale: number;
}

/** `up` runs the simulator in-process over TLS, like a fresh PVE node with its self-signed certificate. */
export async function startEmbeddedSimulator(options: EmbeddedSimulatorOptions): Promise<RunningSimulator> {
  try {
    return await startSimulator({
      tls: true,
      port: options.port,
      profile: 'realistic',
      timeScale: options.timeScale,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port === 0) throw error;
    // Port 8006 is taken (another simulator or a real PVE on this host): any free port will do.
    return startSimulator({ tls: true, port: 0, profile: 'realistic', timeScale: options.timeScale });
  }
}

export { DEFAULT_SIM_TOKEN };
