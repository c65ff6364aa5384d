// UBC values as vzctl parses and prints them: "barrier[:limit]" where each side is a
// number, "unlimited" (LONG_MAX) or a number with a G/M/K/P/B suffix (vzctl's
// parse_twoul_sfx: the suffix multiplies, then the parameter's unit divides — pages by the
// page size, 1 KiB blocks by 1024; plain counts take no suffix). A lone value sets both sides.
import { isUnlimited, LONG_MAX, UBC_BY_NAME, unitBytes, type UbcName } from './params.js';

export interface UbcPair {
  barrier: bigint;
  limit: bigint;
}

export type UbcSet = Partial<Record<UbcName, UbcPair>>;

export class UbcValueError extends Error {}

function multiplier(c: string, pageSize: number): number | undefined {
  switch (c) {
    case 'G': case 'g': return 1024 ** 3;
    case 'M': case 'm': return 1024 ** 2;
    case 'K': case 'k': return 1024;
    case 'P': case 'p': return pageSize;
    case 'B': case 'b': return 1;
    default: return undefined;
  }
}

function parseSide(raw: string, divisor: number, pageSize: number, what: string): bigint {
  if (raw === 'unlimited') return LONG_MAX;
  const m = /^(\d+)(\.\d+)?([A-Za-z])?$/.exec(raw);
  if (!m) throw new UbcValueError(`${what}: "${raw}" is not a number, "unlimited" or a number with a G/M/K/P/B suffix`);
  const [, int, frac, sfx] = m;
  if (!sfx) {
    // vzctl truncates a fractional plain value (strtold then cast)
    const v = BigInt(int);
    return v > LONG_MAX ? LONG_MAX : v;
  }
  if (!divisor) throw new UbcValueError(`${what}: "${raw}": this parameter counts items and takes no size suffix`);
  const mul = multiplier(sfx, pageSize);
  if (mul === undefined) throw new UbcValueError(`${what}: "${raw}": unknown suffix "${sfx}" (G, M, K, P or B)`);
  // Exact integer arithmetic where possible; fractional values go through a double as vzctl's long double does.
  const v = frac ? BigInt(Math.floor((Number(int + frac) * mul) / divisor)) : (BigInt(int) * BigInt(mul)) / BigInt(divisor);
  return v > LONG_MAX ? LONG_MAX : v;
}

/** Parse one parameter's value ("1024", "256:300", "1G:2G", "unlimited"). */
export function parseUbcValue(name: UbcName, raw: string, pageSize = 4096): UbcPair {
  const param = UBC_BY_NAME[name];
  const text = raw.trim();
  if (param.rule === 'single') {
    if (!/^\d+$/.test(text)) throw new UbcValueError(`${name}: "${raw}" is not a whole number`);
    const v = BigInt(text);
    return { barrier: v, limit: v };
  }
  const parts = text.split(':');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new UbcValueError(`${name}: "${raw}" is not "barrier:limit"`);
  const div = unitBytes(param.unit, pageSize) ?? 0; // counts: a suffix is an error, as in vzctl
  const barrier = parseSide(parts[0], div, pageSize, name);
  const limit = parts.length === 2 ? parseSide(parts[1], div, pageSize, name) : barrier;
  return { barrier, limit };
}

function side(v: bigint): string {
  return isUnlimited(v) ? 'unlimited' : v.toString();
}

/** The value as a config line writes it: "b:l", or "b" for single-valued parameters. */
export function formatUbcValue(name: UbcName, pair: UbcPair, opts: { unlimitedWord?: boolean } = {}): string {
  const f = opts.unlimitedWord ? side : (v: bigint) => v.toString();
  if (UBC_BY_NAME[name].rule === 'single') return pair.barrier.toString();
  return `${f(pair.barrier)}:${f(pair.limit)}`;
}

/** Value in bytes (pages × page size, KiB × 1024); undefined for counts or unlimited. */
export function toBytes(name: UbcName, v: bigint, pageSize: number): bigint | undefined {
  if (isUnlimited(v)) return undefined;
  const unit = UBC_BY_NAME[name].unit;
  if (unit === 'pages') return v * BigInt(pageSize);
  if (unit === 'bytes') return v;
  if (unit === 'kib') return v * 1024n;
  return undefined;
}
