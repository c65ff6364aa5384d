// The JSON Schema of one recipe FILE (before `extends` is applied, so nothing is
// required here: a shared base may hold only packages). ajv checks every file against
// it with allErrors; ./check.ts then checks the merged result (required keys, URLs,
// fingerprints, variables). Unknown keys are errors, with a "did you mean".
import type { ErrorObject } from 'ajv';
import { validatorFor } from '../schema/validate.js';
import { locate, pointerToKey, type TreeNode } from './yaml-tree.js';

export const ARCHES = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'i686', 'i386', 'armv7hl', 'noarch', 'riscv64'] as const;
export const OUTPUT_FORMATS = ['tar.gz', 'tar.xz', 'tar.zst', 'dir'] as const;

const str = { type: 'string', minLength: 1 } as const;
const strOrList = { type: ['string', 'array'], minLength: 1, items: str } as const;
const strList = { type: 'array', items: str } as const;
const hookList = {
  type: ['string', 'array'],
  items: {
    type: ['string', 'object'],
    minLength: 1,
    properties: { file: str, run: str },
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
  },
} as const;

const repo = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$' },
    name: str,
    baseurl: strOrList,
    mirrorlist: str,
    metalink: str,
    enabled: { type: 'boolean' },
    gpgcheck: { type: 'boolean' },
    repo_gpgcheck: { type: 'boolean' },
    gpgkey: strOrList,
    fingerprint: strOrList,
    priority: { type: 'integer', minimum: 1, maximum: 99 },
    cost: { type: 'integer', minimum: 0 },
    exclude: strOrList,
    module_hotfixes: { type: 'boolean' },
    sslverify: { type: 'boolean' },
    sslcacert: str,
    sslclientcert: str,
    sslclientkey: str,
    skip_if_unavailable: { type: 'boolean' },
  },
} as const;

/** Keys an overlay (a variant or an `arch:` entry) may set: the package-shaped ones. */
const overlayProps = {
  name: str,
  description: { type: 'string' },
  repos: { type: 'array', items: repo },
  packages: strList,
  exclude: strList,
  weak_deps: { type: ['boolean', 'null'] },
  best: { type: ['boolean', 'null'] },
  modules: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enable: strList,
      disable: strList,
      /** dnf's module_platform_id ("platform:el9"); default from distro (EL n: el<n>, Fedora n: f<n>). */
      platform_id: { type: 'string', pattern: '^platform:[A-Za-z0-9_.+-]+$' },
    },
  },
  multilib: { type: 'array', items: { enum: ARCHES } },
  hooks: {
    type: 'object',
    additionalProperties: false,
    properties: { pre_cache: hookList, post_cache: hookList, post_install: hookList },
  },
  environment: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  output: {
    type: 'object',
    additionalProperties: false,
    properties: {
      formats: { type: 'array', minItems: 1, items: { enum: OUTPUT_FORMATS } },
      source_date_epoch: { type: 'integer', minimum: 0 },
      // Compression level per format; each tool's own default otherwise (zstd 3, xz 6, gzip 6).
      levels: {
        type: 'object',
        additionalProperties: false,
        properties: {
          'tar.zst': { type: 'integer', minimum: 1, maximum: 19 },
          'tar.xz': { type: 'integer', minimum: 0, maximum: 9 },
          'tar.gz': { type: 'integer', minimum: 1, maximum: 9 },
        },
      },
    },
  },
} as const;

export const RECIPE_FILE_SCHEMA = {
  $id: 'vzbuild:recipe-file',
  type: 'object',
  additionalProperties: false,
  definitions: {
    overlay: {
      type: 'object',
      additionalProperties: false,
      properties: { ...overlayProps, arch: { $ref: '#/definitions/archOverlays' } },
    },
    archOverlays: {
      type: 'object',
      propertyNames: { enum: ARCHES },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: overlayProps,
      },
    },
  },
  properties: {
    ...overlayProps,
    extends: strOrList,
    distro: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
        release: { type: ['string', 'number'] },
        arch: { enum: ARCHES },
      },
    },
    vars: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: { type: ['string', 'number'] } },
    rpmdb: { enum: ['sqlite', 'bdb', null] },
    variants: { type: 'object', propertyNames: { pattern: '^[a-z0-9][a-z0-9_.+-]*$' }, additionalProperties: { $ref: '#/definitions/overlay' } },
    arch: { $ref: '#/definitions/archOverlays' },
  },
} as const;

/** Keys people reach for from dnf/yum/vzpkg habits, mapped to ours. */
const ALIASES: Record<string, string> = {
  excludepkgs: 'exclude',
  install_weak_deps: 'weak_deps',
  weakdeps: 'weak_deps',
  gpgkeys: 'gpgkey',
  fingerprints: 'fingerprint',
  base_url: 'baseurl',
  mirrors: 'mirrorlist',
  parent: 'extends',
  include: 'extends',
  repositories: 'repos',
  repo: 'repos',
  pkgs: 'packages',
  package: 'packages',
  modulestreams: 'modules',
  pre_install: 'hooks.pre_cache',
  post_install: 'hooks.post_install',
  'pre-cache': 'pre_cache',
  'post-cache': 'post_cache',
  'post-install': 'post_install',
};

const validator = () => validatorFor('recipeFile', RECIPE_FILE_SCHEMA);

/** Validate one file's plain value; problems are `file:line: key: message`. */
export function schemaProblems(tree: TreeNode, plain: unknown): string[] {
  const validate = validator();
  if (validate(plain)) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const msg = describe(e, tree);
    if (msg === undefined) continue;
    const { loc, key, text } = msg;
    const line = `${loc.file}:${loc.line}: ${key}: ${text}`;
    if (!seen.has(line)) out.push(line);
    seen.add(line);
  }
  return out;
}

function describe(e: ErrorObject, tree: TreeNode): { loc: { file: string; line: number }; key: string; text: string } | undefined {
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const allowed = allowedKeys(e.parentSchema);
      return { loc: locate(tree, e.instancePath, extra), key: pointerToKey(e.instancePath, extra), text: `unknown key${suggest(extra, allowed, e.instancePath)}` };
    }
    case 'propertyNames':
      return undefined; // reported by the nested keyword error (enum/pattern) below
    case 'enum': {
      const propName = (e as ErrorObject & { propertyName?: string }).propertyName;
      const allowed = (e.params.allowedValues as unknown[]).filter((v) => v !== null).join(', ');
      if (propName !== undefined) return { loc: locate(tree, e.instancePath, propName), key: pointerToKey(e.instancePath, propName), text: `must be one of ${allowed}` };
      return { loc: locate(tree, e.instancePath), key: pointerToKey(e.instancePath), text: `must be one of ${allowed}` };
    }
    case 'pattern': {
      const propName = (e as ErrorObject & { propertyName?: string }).propertyName;
      const what = propName ?? undefined;
      return {
        loc: locate(tree, e.instancePath, what),
        key: pointerToKey(e.instancePath, what),
        text: `${what !== undefined ? 'name' : 'value'} must match ${e.params.pattern}`,
      };
    }
    case 'type':
      return { loc: locate(tree, e.instancePath), key: pointerToKey(e.instancePath), text: `must be ${typeWords(e.params.type)}` };
    case 'required':
      return { loc: locate(tree, e.instancePath), key: pointerToKey(e.instancePath, String(e.params.missingProperty)), text: 'is required' };
    case 'minProperties':
    case 'maxProperties':
      return { loc: locate(tree, e.instancePath), key: pointerToKey(e.instancePath), text: 'must have exactly one of `file:` or `run:`' };
    default:
      return { loc: locate(tree, e.instancePath), key: pointerToKey(e.instancePath), text: e.message ?? e.keyword };
  }
}

function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  const words = list.map((x) => ({ string: 'a string', array: 'a list', object: 'a map', boolean: 'true or false', integer: 'an integer', number: 'a number', null: 'empty' })[String(x)] ?? String(x));
  if (list.includes('array') && list.includes('string')) return 'a string or a list of strings';
  return words.join(' or ');
}

function allowedKeys(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function suggest(key: string, allowed: string[], at: string): string {
  const perArch = /^(packages|exclude|repos|hooks|modules)_(\w+)$/.exec(key);
  if (perArch && at === '') return ` (per-arch lists go under \`arch: { ${perArch[2]}: { ${perArch[1]}: [...] } }\`)`;
  const alias = ALIASES[key.toLowerCase()];
  if (alias && (allowed.includes(alias.split('.')[0]) || alias.includes('.'))) return ` (did you mean \`${alias}\`?)`;
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const d = distance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3))) return ` (did you mean \`${best}\`?)`;
  return allowed.length ? ` (expected one of: ${allowed.join(', ')})` : '';
}

/** Damerau-Levenshtein (optimal string alignment): typos are swaps as often as slips. */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
