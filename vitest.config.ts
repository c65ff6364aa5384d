import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Real tools (rpmbuild, dnf, lxc) are slow on 2 cores; timing belongs in `npm run bench`.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
