// pnpm lab:template [--force]    build the VM template (or find it cached) and print where it is
// pnpm lab:net up                start the lab network; it stays up until Ctrl-C
// pnpm lab:net cleanup           remove what a crashed run left (namespace, veth, dnsmasq, processes)
import { Command } from 'commander';
import { cleanupStaleLab, startLabNetwork } from './network.js';
import { buildTemplate } from './template.js';

const program = new Command('lab').description('the real-VM lab: template image and network');

program
  .command('template')
  .description('build the bookworm VM template, or reuse the cached one')
  .option('--force', 'rebuild even when cached')
  .action(async (options: { force?: boolean }) => {
    const image = await buildTemplate({ force: options.force === true });
    console.log(JSON.stringify(image, null, 2));
  });

const net = program.command('net').description('the lab network (namespace, bridge, DHCP, apt proxy)');

net
  .command('up')
  .description('start the lab network and keep it up until interrupted')
  .action(async () => {
    const network = await startLabNetwork({ log: (line) => console.log(`[lab-net] ${line}`) });
    console.log(
      `lab network up (netns ${network.netns}, apt proxy ${network.aptProxy.url}); Ctrl-C stops it`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await network.stop();
    console.log('lab network stopped');
  });

net
  .command('cleanup')
  .description('remove leftovers of a lab whose process is gone')
  .action(async () => {
    await cleanupStaleLab({ log: (line) => console.log(`[lab-net] ${line}`) });
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
