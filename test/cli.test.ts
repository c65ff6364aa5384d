import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/env.js';
import { resolveSettings } from '../builder/settings.js';

const run = promisify(execFile);

describe('bin/vzbuild', () => {
  it('prints its version and help', async () => {
    const { stdout } = await run(BIN, ['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(BIN, ['--help']);
    expect(help.stdout).toContain('--cache-dir');
    expect(help.stdout).toContain('--json');
  });

  it('rejects an unknown command with exit 1 and a message', async () => {
    await expect(run(BIN, ['no-such-command'])).rejects.toMatchObject({ code: 1 });
  });
});

describe('settings', () => {
  it('takes flag over env over default', () => {
    expect(resolveSettings({ cacheDir: '/a' }, { VZBUILD_CACHE_DIR: '/b' }).cacheDir).toBe('/a');
    expect(resolveSettings({}, { VZBUILD_CACHE_DIR: '/b' }).cacheDir).toBe('/b');
    expect(resolveSettings({}, {}).cacheDir).toMatch(/vzbuild$/);
  });
});
