// The XML scanner on its own: every token kind, entities, quotes, and chunk boundaries at
// every offset (streaming must not depend on where the decompressor cuts the text).
import { describe, expect, it } from 'vitest';
import { XmlScanner, XmlSyntaxError } from '../../builder/repo/index.js';

function events(chunks: (string | Buffer)[]): string[] {
  const out: string[] = [];
  const s: XmlScanner = new XmlScanner({
    open(name, sc, self) {
      const attrs = ['a', 'b', 'rpm:x', 'xml:base'].map((k) => sc.attr(k)).filter((v) => v !== undefined);
      out.push(`<${name}${attrs.map((a) => ` ${JSON.stringify(a)}`).join('')}${self ? '/' : ''}>`);
      return name === 't';
    },
    close(name, text) {
      out.push(text === undefined ? `</${name}>` : `</${name} ${JSON.stringify(text)}>`);
    },
  });
  for (const c of chunks) s.write(c);
  s.end();
  return out;
}

const DOC = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
<!-- a comment with <tags> & stuff -->
<root xmlns:rpm="x">
  <e a="1" b='two'/>
  <t>plain &amp; &lt;escaped&gt; &#65;&#x42; text</t>
  <t><![CDATA[raw <cdata> & stuff]]> after</t>
  <e a="x > y" rpm:x="(a if b)" >
    <t>ünïcödé ✓</t>
  </e>
  <e
     a="multi
line"/>
</root>
`;

describe('XmlScanner', () => {
  const whole = events([DOC]);

  it('reports tags, attributes, text, entities, CDATA; skips declarations and comments', () => {
    expect(whole).toEqual([
      '<root>',
      '<e "1" "two"/>', '</e>',
      '<t>', '</t "plain & <escaped> AB text">',
      '<t>', '</t "raw <cdata> & stuff after">',
      '<e "x > y" "(a if b)">', '<t>', '</t "ünïcödé ✓">', '</e>',
      '<e "multi\\nline"/>', '</e>',
      '</root>',
    ]);
  });

  it('gives the same events whatever the chunk boundaries', () => {
    for (let cut = 1; cut < DOC.length; cut++) expect(events([DOC.slice(0, cut), DOC.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    expect(events([...DOC])).toEqual(whole);
  });

  it('gives the same events for bytes cut anywhere, inside UTF-8 sequences too', () => {
    const bytes = Buffer.from(DOC, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) expect(events([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at byte ${cut}`).toEqual(whole);
    expect(events([Buffer.from([0xef, 0xbb, 0xbf]), bytes])).toEqual(whole);
  });

  it('hashes and compares a tag\'s attribute bytes (the handlers\' cache keys)', () => {
    const seen: { hash: number; bytes: Uint8Array }[] = [];
    const s = new XmlScanner({
      open(name, sc) {
        if (name !== 'e') return;
        const bytes = new Uint8Array(sc.attrsLength());
        sc.copyAttrs(bytes, 0);
        for (const o of seen) expect(sc.attrsEqual(o.bytes, 0, o.bytes.length)).toBe(Buffer.from(o.bytes).equals(bytes));
        seen.push({ hash: sc.attrsHash(), bytes });
      },
      close() {},
    });
    s.write('<r><e a="1" b="ü"/><e a="1" b="ü"/><e a="2"/><e a="1" b="ü"></e></r>');
    s.end();
    expect(seen.map((o) => Buffer.from(o.bytes).toString())).toEqual([' a="1" b="ü"', ' a="1" b="ü"', ' a="2"', ' a="1" b="ü"']);
    expect(seen[0].hash).toBe(seen[1].hash);
    expect(seen[0].hash).not.toBe(seen[2].hash);
  });

  it.each([
    ['<a><b></a>', /line 1: <\/a> closes <b>/, false],
    ['<a>\n</b>', /line 2: <\/b> closes <a>/, false],
    ['<a>\n<b>', /line 2: document ends unexpectedly inside <a><b>/, true],
    ['<a b=c/>', /attribute value not quoted/, false],
    ['<a/><b/>', /second root element <b>/, false],
    ['text<a/>', /text outside the root element/, false],
    ['<a x="&nope;"/>', /unknown entity &nope;/, false],
    ['', /document ends unexpectedly/, true],
  ])('rejects %j', (doc, pattern, truncated) => {
    let err: unknown;
    try {
      events([doc]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(XmlSyntaxError);
    expect((err as XmlSyntaxError).message).toMatch(pattern);
    expect((err as XmlSyntaxError).truncated).toBe(truncated);
  });
});
