// The secondary indexes rpm keeps beside the Packages table, and which (key, element
// index) pairs one installed header contributes to each — lib/rpmdb.c's tag2index and
// td2key, as rpm 4.16–4.20 do it:
//   - every element of the tag, keyed by its string (or raw bytes for BIN, native-endian
//     bytes for integers), with the element's position as `idx`;
//   - Requirename leaves out install-time-only prerequisites (Requires(pre)/(post),
//     rpmlib(), pretrans/posttrans), as rpm's isTransientReq;
//   - Triggername leaves out repeats of a name already seen in the same header;
//   - (Trans)filetriggername use the trigger's FILETRIGGERINDEX as `idx`;
//   - a rich dependency "(a or b)" is indexed whole and also per atom ("!x" for atoms
//     under a negated if/unless condition), sorted and deduplicated (updateRichDep);
//   - a package without Group is indexed under "Unknown".
import type { Header } from '../../rpm/header.js';
import { RPMSENSE, Tag, TagType } from '../../rpm/tags.js';

export interface IndexDef {
  /** Table (sqlite) / file (BDB) name, as rpm spells it. */
  name: string;
  tag: number;
  /** TEXT or BLOB keys (sqlite column type; BDB keys are bytes either way). */
  keyType: 'TEXT' | 'BLOB';
  /** Scalar tags carry no per-element index and get no hnum index in sqlite. */
  array: boolean;
}

/** rpm's dbiTags, in rpm's order (it opens and creates them in this order). */
export const INDEXES: readonly IndexDef[] = [
  { name: 'Name', tag: Tag.NAME, keyType: 'TEXT', array: false },
  { name: 'Basenames', tag: Tag.BASENAMES, keyType: 'TEXT', array: true },
  { name: 'Group', tag: Tag.GROUP, keyType: 'TEXT', array: false },
  { name: 'Requirename', tag: Tag.REQUIRENAME, keyType: 'TEXT', array: true },
  { name: 'Providename', tag: Tag.PROVIDENAME, keyType: 'TEXT', array: true },
  { name: 'Conflictname', tag: Tag.CONFLICTNAME, keyType: 'TEXT', array: true },
  { name: 'Obsoletename', tag: Tag.OBSOLETENAME, keyType: 'TEXT', array: true },
  { name: 'Triggername', tag: Tag.TRIGGERNAME, keyType: 'TEXT', array: true },
  { name: 'Dirnames', tag: Tag.DIRNAMES, keyType: 'TEXT', array: true },
  { name: 'Installtid', tag: Tag.INSTALLTID, keyType: 'BLOB', array: false },
  { name: 'Sigmd5', tag: Tag.SIGMD5, keyType: 'BLOB', array: false },
  { name: 'Sha1header', tag: Tag.SHA1HEADER, keyType: 'TEXT', array: false },
  { name: 'Filetriggername', tag: Tag.FILETRIGGERNAME, keyType: 'TEXT', array: true },
  { name: 'Transfiletriggername', tag: Tag.TRANSFILETRIGGERNAME, keyType: 'TEXT', array: true },
  { name: 'Recommendname', tag: Tag.RECOMMENDNAME, keyType: 'TEXT', array: true },
  { name: 'Suggestname', tag: Tag.SUGGESTNAME, keyType: 'TEXT', array: true },
  { name: 'Supplementname', tag: Tag.SUPPLEMENTNAME, keyType: 'TEXT', array: true },
  { name: 'Enhancename', tag: Tag.ENHANCENAME, keyType: 'TEXT', array: true },
];

export interface IndexRow {
  /** Strings for string tags (TEXT keys), bytes for BIN/integer tags (BLOB keys). */
  key: string | Buffer;
  /** Element number inside the tag (rpm's tagNum). */
  idx: number;
}

// rpmds.h: _INSTALL_ONLY_MASK / _ERASE_ONLY_MASK (both without the legacy PREREQ bit).
const INSTALL_ONLY = RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST | RPMSENSE.RPMLIB | RPMSENSE.KEYRING | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS;
const ERASE_ONLY = RPMSENSE.SCRIPT_PREUN | RPMSENSE.SCRIPT_POSTUN | RPMSENSE.PREUNTRANS | RPMSENSE.POSTUNTRANS;
const RICH_INDEXED = new Set<number>([Tag.REQUIRENAME, Tag.CONFLICTNAME, Tag.SUGGESTNAME, Tag.SUPPLEMENTNAME, Tag.RECOMMENDNAME, Tag.ENHANCENAME]);

function isTransientReq(flags: number): boolean {
  return (flags & INSTALL_ONLY) !== 0 && (flags & ERASE_ONLY) === 0 && (flags & RPMSENSE.META) === 0;
}

/** The rows one header adds to an index. */
export function indexRows(h: Header, def: IndexDef): IndexRow[] {
  const e = h.entry(def.tag);
  if (!e) return def.tag === Tag.GROUP ? [{ key: 'Unknown', idx: 0 }] : [];
  const rows: IndexRow[] = [];
  switch (e.type) {
    case TagType.STRING:
    case TagType.I18NSTRING:
    case TagType.STRING_ARRAY: {
      // I18NSTRING indexes its first (C locale) string only, like rpmtdGetString.
      const values = e.type === TagType.STRING_ARRAY ? h.getStringArray(def.tag)! : [h.getString(def.tag)!];
      const reqFlags = def.tag === Tag.REQUIRENAME ? h.getNumberArray(Tag.REQUIREFLAGS) : undefined;
      const trigIdx =
        def.tag === Tag.FILETRIGGERNAME ? h.getNumberArray(Tag.FILETRIGGERINDEX) : def.tag === Tag.TRANSFILETRIGGERNAME ? h.getNumberArray(Tag.TRANSFILETRIGGERINDEX) : undefined;
      values.forEach((v, i) => {
        if (reqFlags && isTransientReq(reqFlags[i] ?? 0)) return;
        if (def.tag === Tag.TRIGGERNAME && values.indexOf(v) < i) return;
        // An empty string is a key too: filesystem's "/" has basename "" (rpm indexes it).
        const idx = trigIdx ? (trigIdx[i] ?? i) : i;
        rows.push({ key: v, idx });
        if (v.startsWith('(') && e.type === TagType.STRING_ARRAY && RICH_INDEXED.has(def.tag)) {
          for (const atom of richAtoms(v)) rows.push({ key: atom, idx });
        }
      });
      return rows;
    }
    case TagType.BIN:
      return [{ key: h.getBin(def.tag)!, idx: 0 }];
    case TagType.INT32: {
      // Native-endian bytes, as rpm hands the uint32 to the db (little-endian here: x86-64/aarch64).
      return h.getNumberArray(def.tag)!.map((n, i) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n >>> 0);
        return { key: b, idx: i };
      });
    }
    default:
      return [];
  }
}

/**
 * The atoms of a rich dependency as rpm indexes them (updateRichDepCB): each simple name,
 * prefixed "!" under a negated if/unless condition, an `else` branch indexing the inverted
 * condition again; rpmlib() names skipped; sorted, duplicates dropped.
 */
export function richAtoms(dep: string): string[] {
  const argv: string[] = [];
  const levelStart: number[] = [];
  let neg = false;
  let pos = 0;
  const s = dep;
  const ops: ('if' | 'unless' | 'else' | 'other')[][] = [];
  const skipWs = () => {
    while (pos < s.length && s[pos] === ' ') pos++;
  };
  const parse = (): boolean => {
    skipWs();
    if (s[pos] !== '(') return false;
    pos++;
    levelStart.push(argv.length);
    ops.push([]);
    for (;;) {
      skipWs();
      if (s[pos] === '(') {
        if (!parse()) return false;
      } else {
        // A simple dependency: name [op evr], up to the next operator keyword or ')'.
        const start = pos;
        let depth = 0;
        while (pos < s.length && !(depth === 0 && (s[pos] === ')' || s[pos] === ' '))) {
          if (s[pos] === '(') depth++;
          else if (s[pos] === ')') depth--;
          pos++;
        }
        const name = s.slice(start, pos);
        skipWs();
        // Version comparison: "name >= 1.0" — consume the operator and the EVR.
        const m = /^(<=|>=|=>|=<|<|>|=)/.exec(s.slice(pos));
        if (m) {
          pos += m[0].length;
          skipWs();
          while (pos < s.length && s[pos] !== ' ' && s[pos] !== ')') pos++;
        }
        if (name && !name.startsWith('rpmlib(')) argv.push((neg ? '!' : ' ') + name);
      }
      skipWs();
      if (s[pos] === ')') {
        pos++;
        const myOps = ops.pop()!;
        levelStart.pop();
        // Leaving an if/unless block restores the sign (RPMRICH_PARSE_LEAVE); an `else`
        // already restored it (rpmrich.c resets the chain op, so LEAVE does not toggle).
        if (myOps.some((o) => o === 'if' || o === 'unless') && !myOps.includes('else')) neg = !neg;
        return true;
      }
      const w = /^([a-z]+)/.exec(s.slice(pos));
      if (!w) return false;
      pos += w[1].length;
      const op = w[1];
      const level = levelStart.length - 1;
      if (op === 'if' || op === 'unless') {
        levelStart[level] = argv.length;
        neg = !neg;
        ops[ops.length - 1].push(op);
      } else if (op === 'else') {
        const n = argv.length;
        for (let i = levelStart[level]; i < n; i++) argv.push((argv[i][0] === '!' ? ' ' : '!') + argv[i].slice(1));
        neg = !neg;
        ops[ops.length - 1].push('else');
      } else ops[ops.length - 1].push('other');
    }
  };
  if (!parse()) return [];
  // argvSort is strcmp order on the prefixed strings: ' ' (0x20) sorts before '!' (0x21).
  const sorted = [...argv].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  sorted.forEach((a, i) => {
    if (i > 0 && sorted[i - 1] === a) return;
    out.push(a[0] === ' ' ? a.slice(1) : a);
  });
  return out;
}
