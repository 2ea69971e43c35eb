// The caching apt proxy lives in @guildserver/lab (the lab's VMs use it too); one implementation for both.
export { type AptCacheProxy, startAptCacheProxy } from '@guildserver/lab';
