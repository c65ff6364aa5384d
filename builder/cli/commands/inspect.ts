// `vzbuild inspect FILE.rpm [--json] [--verify]`: a package's header, like
// `rpm -qpi --scripts -l` (plus dependency lists), or as JSON.
import type { Command } from 'commander';
import { inspectPackage, type InspectResult } from '../../rpm/inspect.js';
import { DEP_KINDS } from '../../model/package.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

export function register(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('Show an RPM package: header, dependencies, scriptlets, files (like rpm -qpi --scripts -l)')
    .argument('<file...>', '.rpm files')
    .option('--verify', 'also stream the payload and check every digest and size')
    .action(async (files: string[], opts: { verify?: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const { resolve } = await import('node:path');
      const results: InspectResult[] = [];
      for (const f of files) results.push(await inspectPackage(resolve(ctx.cwd, f), { verifyPayload: !!opts.verify }));
      emit(ctx, io, results.length === 1 ? results[0] : results, (r) => (Array.isArray(r) ? r.map(renderText).join('\n') : renderText(r)));
    });
}

const SENSE_TEXT: Record<string, string> = { LT: '<', LE: '<=', EQ: '=', GE: '>=', GT: '>' };

function renderText(r: InspectResult): string {
  const row = (k: string, v: string | number | undefined | null) => `${k.padEnd(12)}: ${v ?? '(none)'}`;
  const lines = [
    row('Name', r.name),
    row('Epoch', r.epoch),
    row('Version', r.version),
    row('Release', r.release),
    row('Architecture', r.arch),
    row('Group', r.group),
    row('Size', r.size),
    row('License', r.license),
    row('Signature', r.signatures.join(', ') || '(none)'),
    row('Source RPM', r.sourcePackage ? '(source package)' : r.sourceRpm),
    row('Build Date', new Date(r.buildTime * 1000).toUTCString()),
    row('Build Host', r.buildHost),
    row('Vendor', r.vendor),
    row('URL', r.url),
    row('Payload', `${r.payloadFormat}/${r.payloadCompressor}${r.payloadVerified ? ' (digests verified)' : ''}`),
    row('Summary', r.summary),
    'Description :',
    r.description,
  ];
  for (const kind of DEP_KINDS) {
    const deps = r.deps[kind];
    if (!deps.length) continue;
    lines.push(`${kind}:`);
    for (const d of deps) lines.push(`  ${d.name}${d.sense ? ` ${SENSE_TEXT[d.sense]} ${d.version}` : ''}${d.phases?.length ? ` (${d.phases.join(',')})` : d.pre ? ' (pre)' : ''}`);
  }
  for (const s of r.scriptlets) {
    lines.push(`${s.kind} scriptlet (using ${s.interpreter.join(' ')})${s.body === undefined ? ';' : ':'}`);
    if (s.body !== undefined) lines.push(s.body);
  }
  for (const [label, list] of [['trigger', r.triggers], ['file trigger', r.fileTriggers], ['transaction file trigger', r.transFileTriggers]] as const) {
    for (const t of list) {
      lines.push(`${label}${t.kind} scriptlet (using ${t.interpreter.join(' ')}) -- ${t.conditions.map((c) => c.name + (c.sense ? ` ${SENSE_TEXT[c.sense]} ${c.version}` : '')).join(', ')}`);
      if (t.body !== undefined) lines.push(t.body);
    }
  }
  if (r.files.length === 0) lines.push('(contains no files)');
  for (const f of r.files) lines.push(f.path);
  return lines.join('\n');
}
