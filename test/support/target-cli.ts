// `pnpm ansible:target [name]`: boots a bookworm test target and keeps it until Ctrl-C, to run playbooks by
// hand against a real Debian machine without a VM (see docs/ansible-runbook.md).
import { startTarget } from './bookworm-target';

const name = process.argv[2] ?? 'target';
const target = await startTarget(name);
console.log(`target ${name} is up at ${target.ip} (namespace ${target.netns}); Ctrl-C stops it.`);
console.log(`  cd ansible && ansible-playbook -i ${target.inventory} playbooks/<game>.yml`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await target.stop();
  console.log(`target ${name} stopped and removed.`);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
