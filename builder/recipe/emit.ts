// Recipe files written by importers: plain recipe-file data as YAML, with a header
// comment saying where it came from and per-key comments for what needs a human.
import { Document, isMap, isSeq, type Node } from 'yaml';

export interface EmitOptions {
  header: string[];
  /** Comments placed before a top-level key ("repos", "packages", ...). */
  keyComments?: Record<string, string[]>;
}

export function emitRecipeYaml(data: Record<string, unknown>, opts: EmitOptions): string {
  // No anchors/aliases: each repo gets its own copy of shared key lists, as a person writes it.
  const doc = new Document(data, { aliasDuplicateObjects: false });
  doc.commentBefore = opts.header.map((l) => ` ${l}`).join('\n');
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String((pair.key as { value?: unknown }).value ?? pair.key);
      const c = opts.keyComments?.[key];
      if (c?.length) (pair.key as Node).commentBefore = c.map((l) => ` ${l}`).join('\n');
      // Short scalar lists read best inline when they are package names.
      if (key === 'exclude' && isSeq(pair.value)) pair.value.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}
