// comps (repomd type "group"): groups with their package lists (mandatory, default,
// optional, conditional with requires=), environments with their groups and optional
// groups, and categories. Translations (xml:lang), langpacks and langonly are ignored:
// a template builder installs by id.
import { XmlSyntaxError } from './errors.js';
import type { Comps, CompsCategory, CompsEnvironment, CompsGroup, CompsPackageType } from './types.js';
import type { XmlHandler, XmlScanner } from './xml-scanner.js';

const TYPES = new Set<CompsPackageType>(['mandatory', 'default', 'optional', 'conditional']);

function bool(text: string, line: number, what: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw new XmlSyntaxError(`<${what}> is "${text.trim()}", expected true or false`, line);
}

export function compsParser(): XmlHandler & { comps: Comps } {
  const comps: Comps = { groups: [], environments: [], categories: [] };
  const groups = new Map<string, CompsGroup>();
  let group: CompsGroup | undefined;
  let env: CompsEnvironment | undefined;
  let cat: CompsCategory | undefined;
  let list: 'grouplist' | 'optionlist' | 'packagelist' | undefined;
  let reqType: CompsPackageType = 'mandatory';
  let reqRequires: string | undefined;
  let reqBasearch = false;
  let optDefault = false;
  let translated = false;
  let scanner: XmlScanner | undefined;
  let sawRoot = false;
  const line = () => scanner?.lineAt() ?? 0;
  const owner = () => (group ? `group ${group.id || '?'}` : env ? `environment ${env.id || '?'}` : `category ${cat?.id || '?'}`);

  return {
    comps,
    open(name, s) {
      scanner = s;
      if (!sawRoot) {
        sawRoot = true;
        if (name !== 'comps') throw new XmlSyntaxError(`root element is <${name}>, expected <comps>`, s.lineAt());
        return;
      }
      switch (name) {
        case 'group':
          group = { id: '', name: '', default: false, uservisible: true, packages: [] };
          return;
        case 'environment':
          env = { id: '', name: '', groups: [], options: [] };
          return;
        case 'category':
          cat = { id: '', name: '', groups: [] };
          return;
        case 'grouplist':
        case 'optionlist':
        case 'packagelist':
          list = name;
          return;
        case 'packagereq': {
          const type = (s.attr('type') ?? 'mandatory') as CompsPackageType;
          if (!TYPES.has(type)) throw new XmlSyntaxError(`<packagereq type="${type}"> in ${owner()}: expected mandatory, default, optional or conditional`, s.lineAt());
          reqType = type;
          reqRequires = s.attr('requires') || undefined;
          reqBasearch = s.attr('basearchonly') === 'true';
          return true;
        }
        case 'groupid':
          optDefault = s.attr('default') === 'true';
          return true;
        case 'name':
        case 'description':
          // Only the untranslated text; <name xml:lang="de"> is a translation.
          translated = s.attr('xml:lang') !== undefined;
          return !translated && (group ?? env ?? cat) !== undefined;
        case 'id':
        case 'default':
        case 'uservisible':
        case 'display_order':
          return (group ?? env ?? cat) !== undefined;
      }
    },
    close(name, text) {
      const item = group ?? env ?? cat;
      if (text !== undefined && item) {
        const t = text.trim();
        switch (name) {
          case 'id':
            item.id = t;
            return;
          case 'name':
            item.name = t;
            return;
          case 'description':
            if (t) item.description = t;
            return;
          case 'display_order': {
            const n = Number(t);
            if (t && Number.isFinite(n)) item.displayOrder = n;
            return;
          }
          case 'default':
            if (group) group.default = bool(t, line(), name);
            return;
          case 'uservisible':
            if (group) group.uservisible = bool(t, line(), name);
            return;
          case 'packagereq':
            if (!group) throw new XmlSyntaxError(`<packagereq> outside a group`, line());
            if (!t) throw new XmlSyntaxError(`empty <packagereq> in ${owner()}`, line());
            group.packages.push({
              name: t,
              type: reqType,
              ...(reqRequires ? { requires: reqRequires } : {}),
              ...(reqBasearch ? { basearchonly: true } : {}),
            });
            return;
          case 'groupid':
            if (!t) throw new XmlSyntaxError(`empty <groupid> in ${owner()}`, line());
            if (env && list === 'optionlist') env.options.push({ id: t, default: optDefault });
            else if (env) env.groups.push(t);
            else if (cat) cat.groups.push(t);
            return;
        }
        return;
      }
      switch (name) {
        case 'grouplist':
        case 'optionlist':
        case 'packagelist':
          list = undefined;
          return;
        case 'group': {
          if (!group!.id) throw new XmlSyntaxError('<group> without <id>', line());
          const prev = groups.get(group!.id);
          if (prev) {
            // A repeated group extends the first, as libcomps merges them.
            for (const p of group!.packages) if (!prev.packages.some((q) => q.name === p.name)) prev.packages.push(p);
          } else {
            groups.set(group!.id, group!);
            comps.groups.push(group!);
          }
          group = undefined;
          return;
        }
        case 'environment':
          if (!env!.id) throw new XmlSyntaxError('<environment> without <id>', line());
          comps.environments.push(env!);
          env = undefined;
          return;
        case 'category':
          if (!cat!.id) throw new XmlSyntaxError('<category> without <id>', line());
          comps.categories.push(cat!);
          cat = undefined;
          return;
      }
    },
  };
}
