import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: a test waits for states and events, and only a hang should run into these. On a shared,
    // loaded 2-core machine a test that starts servers or processes can take minutes without being wrong.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Most test files wait on servers and processes, not on a core: on two cores three files at a time take
    // well under half the time of one at a time (vitest's default here: cores − 1, so one). Measured in
    // docs/benchmarks.md; VITEST_MAX_WORKERS=N overrides it.
    maxWorkers: Math.max(3, availableParallelism()),
    globalSetup: ['test/support/global-setup.ts'],
    // Journal keys and witnesses that tests' stores create go here, not into the developer's ~/.config.
    env: { XDG_CONFIG_HOME: join(tmpdir(), 'tminus-test-config') },
  },
});
