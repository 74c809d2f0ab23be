// Protocol tests: the real server over stdio, driven by a JSON-RPC client, on
// the example workspaces (the evtchn wait-under-lock and the vgic AB-BA).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StdioLspClient, uriOf, type Diagnostic } from '../src/lsp/stdioClient';
import type { ExplainResult, LockGraphResult } from '../src/protocol/messages';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const EVTCHN = path.join(EXAMPLES, 'xen-evtchn/evtchn.c');
const VGIC_DIR = path.join(EXAMPLES, 'xen-vgic');

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has "${needle}"`);
  return i;
}

describe('lsp over stdio: evtchn (wait-under-lock)', () => {
  let c: StdioLspClient;
  let text: string;
  let uri: string;
  const stderr: string[] = [];

  before(async () => {
    c = new StdioLspClient({ root: path.dirname(EVTCHN), relatedInformation: true, workDoneProgress: true, settings: {}, stderr: (s) => stderr.push(s) });
    const init = await c.initialize();
    assert.deepEqual(init.capabilities.textDocumentSync, { openClose: true, change: 2, save: false });
    text = fs.readFileSync(EVTCHN, 'utf8');
    uri = c.open(EVTCHN, text);
  });
  after(() => c.shutdown());

  test('diagnostic at the disable_irq call, rule as code, every step related', async () => {
    const ds = await c.waitDiagnostics(uri, (d) => d.length > 0);
    assert.equal(ds.length, 1);
    const d = ds[0];
    const line = lineOf(text, 'disable_irq(irq_from_evtchn(port))');
    assert.equal(d.source, 'lockscope');
    assert.equal(d.code, 'wait-under-lock');
    assert.equal(d.range.start.line, line);
    assert.equal(d.range.start.character, text.split('\n')[line].indexOf('disable_irq'));
    assert.ok(d.range.end.character > d.range.start.character);
    assert.match(d.message, /disable_irq/);
    const rel = d.relatedInformation ?? [];
    assert.ok(rel.length >= 3, 'lock, wait and handler steps');
    for (const r of rel) assert.equal(r.location.uri, uri);
    const relLines = rel.map((r) => r.location.range.start.line);
    assert.ok(relLines.includes(lineOf(text, 'spin_lock_irq(&port_user_lock)')), 'the spin_lock_irq step');
    assert.ok(relLines.includes(lineOf(text, '\tspin_lock(&port_user_lock)')), "the handler's spin_lock step");
    assert.deepEqual(d.data, { findingId: (d.data as { findingId: string }).findingId, rule: 'wait-under-lock' });
  });

  test('status notifications and work-done progress for the index', async () => {
    await c.waitFor(() => {
      const s = c.statuses[c.statuses.length - 1];
      return s.state === 'idle' && s.files >= 2;
    }, 20_000, 'idle after indexing');
    const last = c.statuses[c.statuses.length - 1];
    assert.equal(last.findings, 1);
    assert.ok(last.files >= 2, 'evtchn.c and evtchn.h');
    assert.ok(c.statuses.some((s) => s.state === 'indexing'));
    assert.ok(c.progress.some((p) => (p as { value: { kind: string } }).value.kind === 'begin'));
    assert.ok(c.progress.some((p) => (p as { value: { kind: string } }).value.kind === 'end'));
  });

  test('an edit updates the diagnostics (incremental change), undo restores them', async () => {
    const line = lineOf(text, 'disable_irq(irq_from_evtchn(port))');
    const lockLine = lineOf(text, 'spin_lock_irq(&port_user_lock);');
    const lockText = text.split('\n')[lockLine];
    const range = { start: { line: lockLine, character: 1 }, end: { line: lockLine, character: lockText.length } };
    // no lock held any more: no finding
    let v = c.change(uri, [{ range, text: '/* no lock */' }]);
    await c.waitDiagnostics(uri, (d) => d.length === 0, v);
    v = c.change(uri, [{ range: { start: { line: lockLine, character: 1 }, end: { line: lockLine, character: 1 + '/* no lock */'.length } }, text: lockText.slice(1) }]);
    const ds = await c.waitDiagnostics(uri, (d) => d.length === 1, v);
    assert.equal(ds[0].range.start.line, line);
    // typing above the finding moves it down
    v = c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/* \u00e9t\u00e9 */\n' }]);
    const moved = await c.waitDiagnostics(uri, (d) => d.length === 1 && d[0].range.start.line === line + 1, v);
    assert.equal(moved[0].code, 'wait-under-lock');
  });

  test('explain command: markdown plus both CPUs as structured steps', async () => {
    const d = (await c.waitDiagnostics(uri, (x) => x.length === 1))[0];
    const r = await c.executeCommand<ExplainResult>('lockscope.server.explain', [{ findingId: (d.data as { findingId: string }).findingId }]);
    assert.equal(r.rule, 'wait-under-lock');
    assert.equal(r.confirmed, true);
    assert.ok(r.cpus.length >= 2, 'two CPUs');
    const cpusWithSteps = new Set(r.witness.map((w) => w.cpu));
    assert.ok(cpusWithSteps.size >= 2);
    assert.ok(r.witness.some((w) => w.blocked));
    assert.ok(r.witness.every((w) => w.loc.uri === uri));
    assert.match(r.markdown, /wait-under-lock/);
    assert.ok(r.cycle.nodes.length >= 1 && r.cycle.edges.length >= 1);
    // by position as well (palette command on the cursor line)
    const byLine = await c.executeCommand<ExplainResult>('lockscope.server.explain', [{ uri, line: d.range.start.line }]);
    assert.equal(byLine.findingId, r.findingId);
  });

  test('hover on a lock call: class, held locks, other contexts', async () => {
    const cur = c.diagnostics.get(uri)!;
    assert.ok(cur);
    // the document now has one extra line at the top
    const line = lineOf(text, 'spin_lock_irq(&port_user_lock)') + 1;
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: 3 } });
    assert.ok(h, 'hover');
    assert.match(h.contents.value, /port_user_lock/);
    assert.match(h.contents.value, /held here/);
    assert.match(h.contents.value, /hardirq/, 'taken by the handler in hardirq context');
  });

  test('code actions: explain and suppress; code lens on the finding line', async () => {
    const d = (await c.waitDiagnostics(uri, (x) => x.length === 1))[0];
    const actions = await c.request<Array<{ title: string; command?: { command: string }; edit?: { changes: Record<string, Array<{ newText: string; range: Diagnostic['range'] }>> } }>>(
      'textDocument/codeAction',
      { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } },
    );
    assert.equal(actions[0].title, 'Explain lock path');
    assert.equal(actions[0].command?.command, 'lockscope.server.explain');
    const sup = actions.find((a) => a.title.startsWith('Suppress'));
    assert.ok(sup?.edit);
    const edit = sup.edit.changes[uri][0];
    assert.equal(edit.range.start.line, d.range.start.line);
    assert.match(edit.newText, /^\t\/\* lockscope: ignore wait-under-lock -- .+ \*\/\n$/);
    const lenses = await c.request<Array<{ range: Diagnostic['range']; command: { title: string; command: string } }>>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].range.start.line, d.range.start.line);
    assert.equal(lenses[0].command.command, 'lockscope.server.explain');
  });
});

describe('lsp over stdio: vgic (AB-BA across files)', () => {
  let c: StdioLspClient;
  before(async () => {
    c = new StdioLspClient({ root: VGIC_DIR, relatedInformation: true });
    await c.initialize();
  });
  after(() => c.shutdown());

  test('diagnostics for a file that is not open come from the index', async () => {
    const irqUri = uriOf(path.join(VGIC_DIR, 'irq.c'));
    const ds = await c.waitDiagnostics(irqUri, (d) => d.length > 0);
    assert.equal(ds[0].code, 'lock-order-inversion');
    const files = new Set((ds[0].relatedInformation ?? []).map((r) => path.basename(new URL(r.location.uri).pathname)));
    assert.ok(files.size >= 2, `related steps in several files: ${[...files].join(', ')}`);
  });

  test('an edit in one open file updates the diagnostics of another', async () => {
    const irqPath = path.join(VGIC_DIR, 'irq.c');
    const gicPath = path.join(VGIC_DIR, 'gic.c');
    const irqUri = c.open(irqPath, fs.readFileSync(irqPath, 'utf8'));
    const gicText = fs.readFileSync(gicPath, 'utf8');
    const gicUri = c.open(gicPath, gicText);
    await c.waitDiagnostics(irqUri, (d) => d.length === 1);
    const lock = lineOf(gicText, 'vgic_lock_rank(v_target, rank, flags);');
    const unlock = lineOf(gicText, 'vgic_unlock_rank(v_target, rank, flags);');
    const len = (l: number): number => gicText.split('\n')[l].length;
    // remove the unlock first so the earlier line numbers stay valid
    c.change(gicUri, [{ range: { start: { line: unlock, character: 0 }, end: { line: unlock, character: len(unlock) } }, text: '' }]);
    c.change(gicUri, [{ range: { start: { line: lock, character: 0 }, end: { line: lock, character: len(lock) } }, text: '' }]);
    await c.waitDiagnostics(irqUri, (d) => d.length === 0);
    // and back
    c.change(gicUri, [{ text: gicText }]);
    await c.waitDiagnostics(irqUri, (d) => d.length === 1);
  });

  test('lock graph command: classes, orders with sites, the cycle marked', async () => {
    const g = await c.executeCommand<LockGraphResult>('lockscope.server.lockGraph', []);
    assert.ok(g.nodes.length >= 2);
    assert.equal(g.cycles.length, 1);
    assert.ok(g.edges.filter((e) => e.inCycle).length >= 2);
    for (const e of g.edges) assert.ok(e.sites.length >= 1 && e.sites[0].loc.uri.startsWith('file://'));
  });
});

describe('lsp over stdio: client without relatedInformation', () => {
  test('the path is flattened into the message', async () => {
    const c = new StdioLspClient({ root: path.dirname(EVTCHN), relatedInformation: false });
    try {
      await c.initialize();
      const uri = c.open(EVTCHN, fs.readFileSync(EVTCHN, 'utf8'));
      const ds = await c.waitDiagnostics(uri, (d) => d.length > 0);
      assert.equal(ds[0].relatedInformation, undefined);
      assert.match(ds[0].message, /\n {2}#0 .+ evtchn\.c:\d+/);
      assert.ok(ds[0].message.split('\n').length >= 4);
    } finally {
      await c.shutdown();
    }
  });

  test('settings: a rule turned off publishes nothing for it; maxFiles 0 indexes nothing', async () => {
    const c = new StdioLspClient({ root: VGIC_DIR, settings: { rules: { 'lock-order-inversion': 'off' }, scope: { maxFiles: 0 } } });
    try {
      await c.initialize();
      const irqPath = path.join(VGIC_DIR, 'irq.c');
      const uri = c.open(irqPath, fs.readFileSync(irqPath, 'utf8'));
      // The empty index may report idle before the open file is analysed: wait for the analysis that includes it.
      await c.waitFor(() => c.statuses.some((s) => s.state === 'idle' && (s.files ?? 0) > 0), undefined, 'idle status with the open file');
      const ds = await c.waitDiagnostics(uri, () => true);
      assert.equal(ds.length, 0);
      assert.equal(c.statuses.filter((s) => s.state === 'idle').pop()?.files, 1, 'only the open file');
    } finally {
      await c.shutdown();
    }
  });
});

describe('lsp over stdio: when an edit is analysed', () => {
  test('the first edit after a pause at once; a burst of edits once the typing pauses for debounceMs', async () => {
    const debounceMs = 2500;
    const c = new StdioLspClient({ root: path.dirname(EVTCHN), settings: { debounceMs } });
    try {
      await c.initialize();
      const text = fs.readFileSync(EVTCHN, 'utf8');
      const uri = c.open(EVTCHN, text);
      await c.waitDiagnostics(uri, (d) => d.length > 0);
      await c.waitFor(() => c.statuses[c.statuses.length - 1]?.state === 'idle', 20_000, 'idle before the edits');
      await new Promise((r) => setTimeout(r, debounceMs));
      const line = lineOf(text, 'disable_irq(irq_from_evtchn(port))');
      const edit = (n: number) => [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `\t/* edit ${n} */` }];
      let t = Date.now();
      const lone = c.change(uri, edit(1));
      const ds = await c.waitDiagnostics(uri, () => true, lone, 20_000);
      assert.ok(Date.now() - t < debounceMs, `a lone edit is not held back by the debounce (${Date.now() - t} ms)`);
      assert.equal(ds[0]?.code, 'wait-under-lock');
      assert.ok(ds[0].message.includes('disable_irq'), 'the finding, moved with the edit');

      t = Date.now();
      c.change(uri, edit(2));
      const last = c.change(uri, edit(3));
      await c.waitDiagnostics(uri, () => true, last, 20_000);
      assert.ok(Date.now() - t >= debounceMs - 100, `the burst waits for the pause (${Date.now() - t} ms)`);
    } finally {
      await c.shutdown();
    }
  });
});
