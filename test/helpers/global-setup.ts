// Once per test run, before any test file: bundle the CLI (tests that spawn bin/vzbuild run
// the current code), and build the shared RHEL 6 @core stub repo, which several test files use
// and which takes a minute or two on a fresh machine — inside a test it would eat that test's
// timeout while the others wait on its lock.
import { execFileSync } from 'node:child_process';
import { haveTool, REPO_ROOT } from './env.js';
import { rhel6CoreStubRepo } from './stub-repo.js';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  // Without the tools (outside CI) the tests that need the repo skip or fail on their own.
  if (['rpmbuild', 'createrepo_c', 'busybox'].every(haveTool)) rhel6CoreStubRepo();
}
