// Child-process entry: one simulator on its own event loop, so a load generator in the parent does not
// compete with it for the same thread. Options arrive as JSON in argv[2]; the URL leaves as one JSON line on
// stdout; closing stdin (or SIGTERM) stops it, after which a last JSON line reports what it saw.
import { type SimulatorOptions, startSimulator } from '@guildserver/pve-sim';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = await startSimulator(options);
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);

let closing = false;
async function stop(): Promise<void> {
  if (closing) return;
  closing = true;
  await sim.close();
  const summary = {
    closed: true,
    schemaViolations: sim.schemaViolations.length,
    tasks: sim.state.tasks.length,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0));
}

process.stdin.on('end', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
