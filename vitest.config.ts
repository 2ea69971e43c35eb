import { defineConfig } from 'vitest/config';

// One vitest setup for the whole workspace: every package's tests live in <package>/test.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/schema-guard.ts'],
    globalSetup: ['test/global-redis.ts', 'test/global-bundles.ts'],
  },
});
