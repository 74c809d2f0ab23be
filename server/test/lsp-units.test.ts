// Unit tests of the LSP layer's pure parts: the irq-inversion quick fix,
// settings normalisation and globs, cycle finding, diagnostic conversion.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SourceDocument } from '../src/engine/document';
import { irqsaveFix } from '../src/lsp/codeActions';
import { globToRegExp, makeExcluder, normalizeSettings, DEFAULT_SETTINGS } from '../src/lsp/settings';
import { findCycles, toDiagnostic, type FileMap } from '../src/lsp/toProto';
import { capabilities } from '../src/lsp/server';
import type { Finding } from '../src/report/finding';

function apply(text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>): string {
  const lines = text.split('\n');
  const off = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

const PROC = `static void foo_update(struct foo *f)
{
\tint n = 0;

\tspin_lock(&f->lock);
\tif (f->busy) {
\t\tspin_unlock(&f->lock);
\t\treturn;
\t}
\tspin_lock(&other);
\tf->count++;
\tspin_unlock(&other);
\tspin_unlock( &f->lock );
}
`;

test('irq quick fix: spin_lock → spin_lock_irqsave, every matching unlock → irqrestore, flags declared', async () => {
  const doc = await SourceDocument.open('foo.c', PROC);
  const edits = irqsaveFix(doc, [{ file: 'foo.c', line: 5, column: 2 }]);
  assert.ok(edits);
  const fixed = apply(PROC, edits);
  assert.equal(
    fixed,
    `static void foo_update(struct foo *f)
{
\tunsigned long flags;
\tint n = 0;

\tspin_lock_irqsave(&f->lock, flags);
\tif (f->busy) {
\t\tspin_unlock_irqrestore(&f->lock, flags);
\t\treturn;
\t}
\tspin_lock(&other);
\tf->count++;
\tspin_unlock(&other);
\tspin_unlock_irqrestore(&f->lock, flags);
}
`,
  );
  doc.dispose();
});

test('irq quick fix: reuses an existing flags declaration, renames around a clash, refuses without unlock', async () => {
  const withFlags = PROC.replace('\tint n = 0;', '\tunsigned long flags;');
  let doc = await SourceDocument.open('a.c', withFlags);
  let fixed = apply(withFlags, irqsaveFix(doc, [{ file: 'a.c', line: 5, column: 2 }])!);
  assert.equal((fixed.match(/unsigned long flags;/g) ?? []).length, 1);
  doc.dispose();
  const clash = PROC.replace('\tint n = 0;', '\tint flags = 0;');
  doc = await SourceDocument.open('b.c', clash);
  fixed = apply(clash, irqsaveFix(doc, [{ file: 'b.c', line: 5, column: 2 }])!);
  assert.match(fixed, /unsigned long irqflags;/);
  assert.match(fixed, /spin_lock_irqsave\(&f->lock, irqflags\)/);
  doc.dispose();
  const noUnlock = 'void g(void)\n{\n\tspin_lock(&l);\n}\n';
  doc = await SourceDocument.open('c.c', noUnlock);
  assert.equal(irqsaveFix(doc, [{ file: 'c.c', line: 3, column: 2 }]), undefined);
  doc.dispose();
});

test('settings: defaults, clamping, bad values fall back', () => {
  assert.deepEqual(normalizeSettings(undefined), DEFAULT_SETTINGS);
  const s = normalizeSettings({ scope: { maxFiles: -5, exclude: ['x/**', 3] }, rules: { 'irq-inversion': 'off', bogus: 'loud' }, simulator: { cpus: 9 }, debounceMs: 'soon' });
  assert.equal(s.scope.maxFiles, 0);
  assert.deepEqual(s.scope.exclude, ['x/**']);
  assert.deepEqual(s.rules, { 'irq-inversion': 'off' });
  assert.equal(s.simulator.cpus, 4);
  assert.equal(s.debounceMs, DEFAULT_SETTINGS.debounceMs);
});

test('globs: **, *, ?, {a,b}, directories', () => {
  assert.ok(globToRegExp('**/*.mod.c').test('drivers/net/foo.mod.c'));
  assert.ok(globToRegExp('**/*.mod.c').test('foo.mod.c'));
  assert.ok(!globToRegExp('*.c').test('a/b.c'));
  assert.ok(globToRegExp('arch/{arm,x86}/**').test('arch/x86/kernel/irq.c'));
  assert.ok(!globToRegExp('arch/{arm,x86}/**').test('arch/mips/irq.c'));
  const ex = makeExcluder(['**/tools/**', 'drivers/gpu/**']);
  assert.ok(ex('tools'));
  assert.ok(ex('a/tools/x.c'));
  assert.ok(ex('drivers/gpu'));
  assert.ok(!ex('drivers/net/e1000.c'));
});

test('cycles: AB-BA, a triangle, a self loop, no cycle', () => {
  assert.deepEqual(findCycles([['a', 'b'], ['b', 'a'], ['b', 'c']]), [['a', 'b']]);
  assert.deepEqual(findCycles([['x', 'y'], ['y', 'z'], ['z', 'x']]), [['x', 'y', 'z']]);
  assert.deepEqual(findCycles([['r', 'r']]), [['r']]);
  assert.deepEqual(findCycles([['a', 'b'], ['b', 'c']]), []);
});

test('diagnostic: rule as code, 0-based range, related or flattened, severity per rule', () => {
  const files: FileMap = { uriOf: (f) => `file:///ws/${f}`, lineText: () => '\tdisable_irq(irq);' };
  const f: Finding = {
    id: 'id1', rule: 'wait-under-lock', severity: 'error', message: 'waits', locks: ['l'], functions: ['f'],
    location: { file: 'a.c', line: 10, column: 2 },
    related: [{ file: 'b.c', line: 3, column: 5, message: 'l taken' }],
    confirmed: true,
  };
  const d = toDiagnostic(f, files, { relatedInformation: true, rules: {} })!;
  assert.deepEqual(d.range, { start: { line: 9, character: 1 }, end: { line: 9, character: 17 } });
  assert.equal(d.code, 'wait-under-lock');
  assert.equal(d.severity, 1);
  assert.equal(d.relatedInformation![0].location.uri, 'file:///ws/b.c');
  const flat = toDiagnostic(f, files, { relatedInformation: false, rules: { 'wait-under-lock': 'warning' } })!;
  assert.equal(flat.relatedInformation, undefined);
  assert.equal(flat.message, 'waits\n  #0 l taken  b.c:3');
  assert.equal(flat.severity, 2);
  assert.equal(toDiagnostic(f, files, { relatedInformation: true, rules: { 'wait-under-lock': 'off' } }), undefined);
});

test('capabilities are pinned', () => {
  assert.deepEqual(capabilities(), {
    textDocumentSync: { openClose: true, change: 2, save: false },
    hoverProvider: true,
    codeActionProvider: { codeActionKinds: ['quickfix'] },
    codeLensProvider: { resolveProvider: false },
    executeCommandProvider: { commands: ['lockscope.server.explain', 'lockscope.server.lockGraph', 'lockscope.server.checkPatch'] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  });
});
