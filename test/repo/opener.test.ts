// localOpener: hrefs from metadata stay inside the repo directory, including a repo at "/".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { localOpener } from '../../builder/repo/index.js';
import { isInside } from '../../builder/repo/opener.js';
import { tempDir } from '../helpers/env.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream as AsyncIterable<Buffer>) s += c.toString();
  return s;
}

describe('localOpener', () => {
  it.each([
    ['/', '/repodata/repomd.xml', true],
    ['/', '/', true],
    ['/srv/repo', '/srv/repo', true],
    ['/srv/repo', '/srv/repo/repodata/x.xml', true],
    ['/srv/repo', '/srv/repo2/x.xml', false],
    ['/srv/repo', '/srv/x.xml', false],
    ['/srv/repo', '/srv/repo/..foo', true],
  ])('isInside(%s, %s) = %s', (root, path, inside) => {
    expect(isInside(root, path)).toBe(inside);
  });

  it('opens files of a repo at the filesystem root (file:///)', async () => {
    // The metadata of "/" is whatever this machine has there: read a file that always exists.
    await expect(text(await localOpener('file:///')('proc/self/status'))).resolves.toMatch(/^Name:/);
    await expect(localOpener('/')('repodata/no-such-repomd.xml')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses hrefs that escape the repo, by ../ or by an absolute path', async () => {
    const t = tempDir('vzbuild-opener-');
    cleanup = t.cleanup;
    const repo = join(t.path, 'repo');
    mkdirSync(join(repo, 'repodata'), { recursive: true });
    writeFileSync(join(repo, 'repodata', 'repomd.xml'), '<repomd/>');
    writeFileSync(join(t.path, 'secret'), 'x');
    const open = localOpener(pathToFileURL(repo).href);
    await expect(text(await open('repodata/repomd.xml'))).resolves.toBe('<repomd/>');
    for (const href of ['../secret', 'repodata/../../secret', join(t.path, 'secret')]) {
      await expect(open(href)).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    }
  });
});
