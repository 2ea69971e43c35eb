// A worker process for the crash tests: what `main.ts worker` runs, plus test options passed as JSON in argv
// (short lock and stall intervals so a killed worker's job is picked up in seconds). With
// `crashAfterFirstStep`, the process SIGKILLs itself the moment it has recorded its first succeeded step —
// exactly at a step boundary, after the commit and before the next step starts.
import { loadApiConfig } from '../../src/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openServices } from '../../src/runtime/services.js';
import { startWorker, type WorkerOptions } from '../../src/worker/start-worker.js';

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions & { crashAfterFirstStep?: boolean };
const config = loadApiConfig(process.env);
const services = await openServices(config, createLogger(config.logLevel, 'worker'));
const worker = await startWorker(services, {
  ...options,
  observer: {
    stepSucceeded: (jobId, step) => {
      if (!options.crashAfterFirstStep) return;
      process.stderr.write(`crash-at ${jobId} ${step}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  },
});
process.stderr.write('worker-ready\n');
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => services.close())
    .then(() => process.exit(0));
});
