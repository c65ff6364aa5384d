// Shared test plumbing: where the real fixtures are, temp dirs, and tool checks.
// A missing tool fails the test under CI (which installs every tool) and skips elsewhere.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = process.env.VZBUILD_SHARED ?? resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES = join(SHARED, 'fixtures');
export const TOOLS = join(SHARED, 'tools');
export const BIN = join(REPO_ROOT, 'bin', 'vzbuild');
export const IN_CI = !!process.env.CI;

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function haveTool(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this PATH entry
    }
  }
  return false;
}

/**
 * For `describe.skipIf(!tools(...))`: true when all tools exist. Under CI a missing tool
 * throws instead, so a broken .ci/run can never turn into silently skipped tests.
 */
export function tools(...names: string[]): boolean {
  const missing = names.filter((n) => !haveTool(n));
  if (missing.length && IN_CI) throw new Error(`CI is missing tools: ${missing.join(', ')} (install them in .ci/run)`);
  return missing.length === 0;
}

export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** A fresh temp dir; call the returned cleanup in afterEach/afterAll. */
export function tempDir(prefix = 'vzbuild-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
