// Rich (boolean) dependencies as rpm writes them: "(a or (b >= 1 if c else d))".
// Parsed into a small tree; the solver turns requires into CNF clauses and conflicts into
// their negation. Names may contain balanced parentheses ("libc.so.6()(64bit)").
import type { Dep, Sense } from '../model/package.js';
import { parseEvr } from '../rpm/vercmp.js';

export type RichOp = 'and' | 'or' | 'with' | 'without' | 'if' | 'unless';
export type RichDep =
  | { op: 'dep'; dep: Dep }
  | { op: 'and' | 'or' | 'with' | 'without'; args: RichDep[] }
  | { op: 'if' | 'unless'; then: RichDep; cond: RichDep; else?: RichDep };

const OPS = new Set(['and', 'or', 'with', 'without', 'if', 'unless', 'else']);
const SENSES: Record<string, Sense> = { '<': 'LT', '<=': 'LE', '=': 'EQ', '==': 'EQ', '>=': 'GE', '>': 'GT' };

export function isRich(name: string): boolean {
  return name.startsWith('(');
}

/** Parse "(...)"; throws on malformed input with the text in the message. */
export function parseRich(text: string): RichDep {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`bad rich dependency "${text}" at ${i}: ${why}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const word = (): string => {
    ws();
    const start = i;
    let depth = 0;
    while (i < text.length && !/\s/.test(text[i])) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') {
        if (depth === 0) break;
        depth--;
      }
      i++;
    }
    return text.slice(start, i);
  };
  const term = (): RichDep => {
    ws();
    if (text[i] === '(') return group();
    const name = word();
    if (!name || OPS.has(name)) fail('expected a dependency');
    const save = i;
    const op = word();
    if (op in SENSES) {
      const evr = word();
      if (!evr) fail('missing version');
      return { op: 'dep', dep: { name, sense: SENSES[op], evr: parseEvr(evr) } };
    }
    i = save;
    return { op: 'dep', dep: { name } };
  };
  const group = (): RichDep => {
    i++; // '('
    const first = term();
    ws();
    if (text[i] === ')') {
      i++;
      return first;
    }
    const op = word();
    if (!OPS.has(op) || op === 'else') fail(`unknown operator "${op}"`);
    if (op === 'if' || op === 'unless') {
      const cond = term();
      ws();
      let els: RichDep | undefined;
      if (text[i] !== ')') {
        if (word() !== 'else') fail('expected else or )');
        els = term();
        ws();
      }
      if (text[i] !== ')') fail('expected )');
      i++;
      return { op, then: first, cond, else: els };
    }
    const args = [first, term()];
    for (;;) {
      ws();
      if (text[i] === ')') {
        i++;
        return { op: op as 'and' | 'or' | 'with' | 'without', args };
      }
      const next = word();
      if (next !== op) fail(`mixed operators "${op}" and "${next}" need parentheses`);
      args.push(term());
    }
  };
  ws();
  if (text[i] !== '(') fail('expected (');
  const r = group();
  ws();
  if (i !== text.length) fail('trailing text');
  return r;
}
