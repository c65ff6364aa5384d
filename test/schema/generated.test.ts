// The generated validators (builder/schema/generated.ts) must be made from today's schemas:
// a stale file still validates correctly (validate.ts falls back to compiling with ajv), but
// every CLI run would pay ~200 ms for it again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedSource } from '../../builder/schema/gen.js';
import { LOCKFILE_SCHEMA } from '../../builder/lockfile/index.js';
import { RECIPE_FILE_SCHEMA } from '../../builder/recipe/schema.js';
import { schemaHash, validatorFor } from '../../builder/schema/validate.js';
import * as generated from '../../builder/schema/generated.js';
import { REPO_ROOT } from '../helpers/env.js';

describe('generated schema validators', () => {
  it('are fresh (run `npm run gen` after editing a schema)', () => {
    const committed = readFileSync(join(REPO_ROOT, 'builder', 'schema', 'generated.ts'), 'utf8');
    expect(committed === generatedSource(), 'builder/schema/generated.ts is stale: run `npm run gen`').toBe(true);
    expect((generated as { HASHES: Record<string, string> }).HASHES).toEqual({ recipeFile: schemaHash(RECIPE_FILE_SCHEMA), lockfile: schemaHash(LOCKFILE_SCHEMA) });
  });

  it('are the ones in use, and agree with ajv compiling the schema now', async () => {
    const { Ajv } = await import('ajv');
    const { AJV_OPTIONS } = await import('../../builder/schema/validate.js');
    const fresh = new Ajv(AJV_OPTIONS).compile(RECIPE_FILE_SCHEMA);
    const v = validatorFor('recipeFile', RECIPE_FILE_SCHEMA);
    expect(v).toBe((generated as unknown as { recipeFile: unknown }).recipeFile);
    const samples: unknown[] = [
      { name: 'x', distro: { id: 'centos', release: '9', arch: 'x86_64' }, packages: ['a'] },
      { name: '', distro: { id: 'Bad Id', arch: 'sparc' }, packagez: [], repos: [{ id: 'a b', baseurl: 7 }] },
      { variants: { minimal: { packages: ['x'], arch: { aarch64: { exclude: ['y'] } } } }, hooks: { post_install: [{ file: 'a', run: 'b' }] } },
      [],
    ];
    for (const s of samples) {
      const ok = v(s);
      expect(ok).toBe(fresh(s));
      expect(JSON.parse(JSON.stringify(v.errors ?? null))).toEqual(JSON.parse(JSON.stringify(fresh.errors ?? null)));
    }
  });
});
