import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SourceDocument, type TextChange } from '../src/engine/document';
import { parseC } from '../src/syntax/parser';

const SRC = [
  'static DEFINE_SPINLOCK(port_user_lock); /* verrou \u00e9 */',
  'static int evtchn_unbind(struct per_user_data *u, int irq)',
  '{',
  '\tspin_lock_irq(&port_user_lock);',
  '\tdisable_irq(irq);',
  '\tspin_unlock_irq(&port_user_lock);',
  '\treturn 0;',
  '}',
  '',
].join('\n');

async function sameAsFresh(doc: SourceDocument): Promise<void> {
  const fresh = await parseC(doc.text);
  assert.equal(doc.tree.rootNode.toString(), fresh.rootNode.toString());
  fresh.delete();
}

test('document: positions and offsets count UTF-16 units', async () => {
  const doc = await SourceDocument.open('a.c', 'a\u00e9\ud83d\ude00b\r\nline2\nx');
  assert.equal(doc.lineCount, 3);
  assert.equal(doc.lineText(0), 'a\u00e9\ud83d\ude00b');
  assert.equal(doc.offsetAt({ line: 0, character: 4 }), 4);
  assert.equal(doc.offsetAt({ line: 0, character: 99 }), 6, 'clamped to the line end (before the newline)');
  assert.deepEqual(doc.positionAt(7), { line: 1, character: 0 });
  assert.equal(doc.offsetAt({ line: 9, character: 0 }), doc.text.length);
  doc.dispose();
});

test('document: incremental edits keep the tree equal to a fresh parse', async () => {
  const doc = await SourceDocument.open('evtchn.c', SRC, 1);
  // insert a statement on line 4 (before disable_irq)
  doc.applyChanges([{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, text: '\tfoo();\n' }], 2);
  assert.equal(doc.version, 2);
  assert.equal(doc.lineText(4), '\tfoo();');
  await sameAsFresh(doc);
  // replace across lines, then type after a non-ASCII character, in one batch
  const changes: TextChange[] = [
    { range: { start: { line: 3, character: 1 }, end: { line: 5, character: 5 } }, text: 'spin_lock(&port_user_lock);\n\tx' },
    { range: { start: { line: 0, character: 50 }, end: { line: 0, character: 50 } }, text: '\u00fc' },
  ];
  doc.applyChanges(changes, 3);
  assert.match(doc.lineText(0), /verrou \u00e9\u00fc? \*\/|\u00fc/);
  await sameAsFresh(doc);
  assert.equal(doc.incrementalParses, 2);
  // full replacement
  doc.applyChanges([{ text: 'int x;\n' }], 4);
  assert.equal(doc.text, 'int x;\n');
  await sameAsFresh(doc);
  doc.dispose();
});

test('document: random edit sequences match a fresh parse (property)', async () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const snippets = ['', 'x', '\n', ' spin_lock(&a);\n', '}', '{', '/* \u00e9 */', 'int y = 2;', '\r\n', '\ud83d\ude00'];
  const doc = await SourceDocument.open('r.c', SRC);
  for (let i = 0; i < 200; i++) {
    const a = rnd(doc.text.length + 1);
    const b = Math.min(doc.text.length, a + rnd(12));
    const start = doc.positionAt(a);
    const end = doc.positionAt(b);
    const text = snippets[rnd(snippets.length)];
    const before = doc.text;
    doc.applyChanges([{ range: { start, end }, text }]);
    assert.equal(doc.text, before.slice(0, a) + text + before.slice(b));
    if (i % 10 === 0) await sameAsFresh(doc);
  }
  await sameAsFresh(doc);
  doc.dispose();
});
