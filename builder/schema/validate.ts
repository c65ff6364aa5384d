// Schema validation without compiling schemas at start-up. ajv's compile step cost ~200 ms
// of every CLI run (more than the rest of a warm `vzbuild resolve`), so the validators are
// generated ahead of time (builder/schema/gen.ts, `npm run gen`) into ./generated.ts, and
// ajv itself is loaded only when that code is stale — a schema edited without rerunning the
// generator. The answer is the same either way (same ajv, same options), only slower;
// test/schema checks that the committed code is fresh.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import * as generated from './generated.js';

/** One set of options for every schema: the generated module and the fallback must agree. */
// inlineRefs off: shared definitions become functions instead of copies (generated code ~25% smaller).
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true, inlineRefs: false } as const;

export interface Validate {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export type SchemaName = 'recipeFile' | 'lockfile';

/** Names the schema and the options, so a generated validator can tell it is stale. */
export function schemaHash(schema: object): string {
  return createHash('sha256').update(JSON.stringify([AJV_OPTIONS, schema])).digest('hex').slice(0, 24);
}

const memo = new Map<SchemaName, Validate>();

/** The validator of `schema`: the generated one when it was made from this very schema. */
export function validatorFor(name: SchemaName, schema: object): Validate {
  let v = memo.get(name);
  if (!v) {
    const made = generated as unknown as { HASHES?: Record<string, string> } & Record<string, Validate | undefined>;
    v = made.HASHES?.[name] === schemaHash(schema) && made[name] ? made[name] : compileNow(schema);
    memo.set(name, v);
  }
  return v;
}

function compileNow(schema: object): Validate {
  // ajv is CommonJS: a synchronous require keeps validatorFor synchronous.
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  return new Ajv(AJV_OPTIONS).compile(schema) as Validate;
}
