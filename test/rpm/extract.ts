// Test-side payload extraction and tree comparison: our payloadEntries() written to disk the
// way `cpio -idm` does it, and a walk that describes a tree (types, modes, sizes, content
// hashes, link targets, hard-link counts, mtimes) so two extractions can be compared exactly.
// Not product code: assemble owns real unpacking (with its path-safety checks).
import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, open, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { payloadEntries, type PayloadOptions } from '../../builder/rpm/reader.js';

export async function extractPayload(rpm: string, dest: string, opts: PayloadOptions = {}): Promise<number> {
  const pending = new Map<number, string[]>();
  const made = new Set<string>();
  const ensureDir = async (d: string) => {
    if (made.has(d)) return;
    await mkdir(d, { recursive: true });
    made.add(d);
  };
  let n = 0;
  for await (const e of payloadEntries(rpm, opts)) {
    n++;
    const dst = join(dest, e.archiveName);
    if (!dst.startsWith(dest + '/')) throw new Error(`test extractor: ${e.archiveName} escapes ${dest}`);
    await ensureDir(dirname(dst));
    const type = e.mode & 0o170000;
    if (type === 0o040000) {
      await ensureDir(dst);
      await chmod(dst, e.mode & 0o7777);
    } else if (type === 0o120000) {
      await symlink(e.linkTarget, dst);
    } else if (type === 0o100000) {
      if (e.nlink > 1 && e.size === 0) {
        pending.set(e.ino, [...(pending.get(e.ino) ?? []), dst]);
        continue;
      }
      const fh = await open(dst, 'wx', 0o600);
      try {
        if (e.size) for await (const chunk of e.body) await fh.write(chunk as Buffer);
        await fh.chmod(e.mode & 0o7777);
        await fh.utimes(e.mtime, e.mtime);
      } finally {
        await fh.close();
      }
      for (const p of pending.get(e.ino) ?? []) await link(dst, p);
      pending.delete(e.ino);
    }
    // Device nodes and fifos are not in the fixtures; their (empty) bodies are skipped.
  }
  // Hard-link sets whose content is empty never carry a body.
  for (const [, paths] of pending) {
    await writeFile(paths[0], '');
    for (const p of paths.slice(1)) await link(paths[0], p);
  }
  return n;
}

export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size?: number;
  sha256?: string;
  target?: string;
  nlink?: number;
  mtime?: number;
}

export async function describeTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const st = await lstat(p);
      const rel = relative(root, p);
      if (st.isDirectory()) {
        out.push({ path: rel, type: 'dir', mode: st.mode & 0o7777 });
        await walk(p);
      } else if (st.isSymbolicLink()) {
        out.push({ path: rel, type: 'symlink', mode: 0, target: await readlink(p) });
      } else if (st.isFile()) {
        const sha256 = createHash('sha256').update(await readFile(p)).digest('hex');
        out.push({ path: rel, type: 'file', mode: st.mode & 0o7777, size: st.size, sha256, nlink: st.nlink, mtime: Math.floor(st.mtimeMs / 1000) });
      } else out.push({ path: rel, type: 'other', mode: st.mode });
    }
  };
  await walk(root);
  return out;
}
