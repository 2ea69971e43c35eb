import { configDefaults, defineConfig } from 'vitest/config';

// The files that boot real QEMU VMs (the lab and the simulator's real guest). Under software emulation they are
// most of the suite's time and mostly wait on the guests, so scripts/test.sh runs them as their own project
// beside the rest instead of after it (vitest gives a 2-core machine one worker).
export const VM_TEST_FILES = [
  'test/lab-e2e.test.ts',
  'packages/lab/test/lab-vm.test.ts',
  'packages/pve-sim/test/qemu/real-guest.test.ts',
];

// One vitest setup for the whole workspace: every package's tests live in <package>/test.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/schema-guard.ts'],
    globalSetup: ['test/global-redis.ts'],
    projects: [
      { extends: true, test: { name: 'vm', include: VM_TEST_FILES } },
      {
        extends: true,
        test: {
          name: 'rest',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...VM_TEST_FILES],
        },
      },
    ],
  },
});
