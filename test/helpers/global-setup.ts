// Compile the CLI once per test run so tests that spawn bin/vzbuild run the current code.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './env.js';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
