import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // Journal keys and witnesses that tests' stores create go here, not into the developer's ~/.config.
    env: { XDG_CONFIG_HOME: join(tmpdir(), 'tminus-test-config') },
  },
});
