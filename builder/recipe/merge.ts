// How recipe layers combine — `extends` parents, then the `arch:` overlay for the target
// arch, then the selected variant — all with one rule set:
//   maps merge key by key; lists append; scalars override;
//   `repos` merge by `id` (a child can flip `enabled:` on an inherited repo);
//   a value tagged `!reset` replaces what was inherited, and a bare `!reset` removes it
//   (back to the default).
// Works on located trees so every value keeps the file:line it came from.
import type { MapNode, SeqNode, TreeNode } from './yaml-tree.js';

/** Lists whose items are maps identified by this key, merged item by item. */
const KEYED_LISTS: Record<string, string> = { repos: 'id' };

export function mergeTrees(base: TreeNode | undefined, over: TreeNode, key = ''): TreeNode | undefined {
  if (over.reset) {
    if (over.kind === 'scalar' && over.value === null) return undefined;
    return { ...over, reset: undefined };
  }
  if (!base) return over;
  if (base.kind === 'map' && over.kind === 'map') {
    const entries = new Map(base.entries);
    for (const [k, e] of over.entries) {
      const merged = mergeTrees(base.entries.get(k)?.node, e.node, k);
      if (merged === undefined) entries.delete(k);
      else entries.set(k, { keyLine: e.keyLine, node: merged });
    }
    return { ...over, entries };
  }
  if (base.kind === 'seq' && over.kind === 'seq') {
    const idKey = KEYED_LISTS[key];
    if (idKey) return mergeKeyed(base, over, idKey);
    return { ...over, items: [...base.items, ...over.items] };
  }
  return over;
}

function mergeKeyed(base: SeqNode, over: SeqNode, idKey: string): SeqNode {
  const items: (TreeNode | undefined)[] = [...base.items];
  const appended: TreeNode[] = [];
  for (const item of over.items) {
    const id = idOf(item, idKey);
    // Match inherited items only: two items with one id in the same layer stay two, so
    // the duplicate is reported instead of silently merged.
    const at = id === undefined ? -1 : base.items.findIndex((b, i) => items[i] !== undefined && idOf(b, idKey) === id);
    if (at < 0) appended.push(item);
    else items[at] = mergeTrees(items[at], item);
  }
  return { ...over, items: [...items.filter((x): x is TreeNode => x !== undefined), ...appended] };
}

function idOf(node: TreeNode, idKey: string): string | undefined {
  if (node.kind !== 'map') return undefined;
  const v = node.entries.get(idKey)?.node;
  return v?.kind === 'scalar' && v.value !== null ? String(v.value) : undefined;
}

export function getChild(node: TreeNode | undefined, key: string): TreeNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.node : undefined;
}

export function withoutKeys(node: MapNode, ...keys: string[]): MapNode {
  const entries = new Map(node.entries);
  for (const k of keys) entries.delete(k);
  return { ...node, entries };
}
