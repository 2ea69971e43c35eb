import { missingCommands, missingLabNetworkTools, missingTemplateTools } from '@guildserver/lab';

/** The Debian packages the QEMU backend's lab still needs on this machine (root itself is checked apart). */
export async function missingLabTools(): Promise<string[]> {
  const wanted = [
    ...(await missingTemplateTools()),
    ...(await missingLabNetworkTools()),
    ...(await missingCommands({
      'qemu-system-x86_64': 'qemu-system-x86',
      genisoimage: 'genisoimage',
    })),
  ];
  return [...new Set(wanted.filter((entry) => !entry.startsWith('(')))];
}
