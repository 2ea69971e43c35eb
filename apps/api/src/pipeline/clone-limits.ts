// Every clone GuildServer sends (a server's, an image build's) goes through the same gate: the node/storage
// limiter (PROXMOX_LIMIT_*), and retries with back-off while the storage's lock times out under other clones,
// each retry noted in the job's progress.
import { withLockRetry } from '@guildserver/proxmox';
import type { VmTaskContext } from './context.js';

export function withCloneLimits<T>(ctx: VmTaskContext, node: string, clone: () => Promise<T>): Promise<T> {
  const { limiter, config } = ctx.deps;
  const { attempts, baseDelayMs, maxDelayMs } = ctx.options.lockRetry;
  return limiter.run({ node, storage: config.proxmox.storage }, () =>
    withLockRetry(clone, {
      attempts,
      baseDelayMs,
      maxDelayMs,
      signal: ctx.signal,
      onRetry: (_error, attempt, delayMs) =>
        ctx.progress(
          `The storage ${config.proxmox.storage} is busy with other clones; trying again in ${Math.ceil(delayMs / 1000)} s (try ${attempt + 1}).`,
          { attempt },
        ),
    }),
  );
}
