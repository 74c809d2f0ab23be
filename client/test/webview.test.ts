import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { allowedLocations, esc, explainHtml, graphHtml, patchHtml } from '../src/webview/html';
import type { CheckPatchResult, ExplainResult, LockGraphResult, Loc, PatchFinding } from '../../server/src/protocol/messages';

const loc = (file: string, line: number): Loc => ({ uri: `file:///ws/${file}`, file, line, character: 1 });
const EVIL = '<img src=x onerror=alert(1)>"\'`&';

const explain: ExplainResult = {
  findingId: 'f1',
  rule: 'lock-order-inversion',
  severity: 'error',
  confirmed: true,
  message: `vgic_queue takes b while holding a ${EVIL}`,
  locks: ['vgic_cpu.lock', `irq.lock${EVIL}`],
  functions: ['vgic_queue', 'vgic_flush'],
  location: loc('vgic.c', 41),
  steps: [
    { loc: loc('vgic.c', 40), message: 'vgic_cpu.lock taken' },
    { loc: loc('vgic.c', 41), message: `irq.lock taken ${EVIL}` },
  ],
  cpus: [
    { cpu: 0, label: 'CPU0 vgic_queue (process)' },
    { cpu: 1, label: 'CPU1 vgic_flush (process)' },
  ],
  witness: [
    { step: 1, cpu: 0, ctx: 'process', action: 'acquires', lock: 'vgic_cpu.lock', fn: 'vgic_queue', loc: loc('vgic.c', 40), text: 'takes vgic_cpu.lock in vgic_queue()' },
    { step: 2, cpu: 1, ctx: 'process', action: 'acquires', lock: 'irq.lock', fn: 'vgic_flush', loc: loc('vgic.c', 60), text: 'takes irq.lock in vgic_flush()' },
    { step: 3, cpu: 0, ctx: 'process', action: 'spins on', lock: 'irq.lock', fn: 'vgic_queue', loc: loc('vgic.c', 41), blocked: true, text: 'spins on irq.lock' },
    { step: 4, cpu: 1, ctx: 'process', action: 'spins on', lock: 'vgic_cpu.lock', fn: 'vgic_flush', loc: loc('vgic.c', 61), blocked: true, text: `spins on vgic_cpu.lock ${EVIL}` },
  ],
  cycle: {
    nodes: ['vgic_cpu.lock', 'irq.lock'],
    edges: [
      { from: 'vgic_cpu.lock', to: 'irq.lock', label: 'CPU0 spins on', loc: loc('vgic.c', 41) },
      { from: 'irq.lock', to: 'vgic_cpu.lock', label: 'CPU1 spins on', loc: loc('vgic.c', 61) },
    ],
  },
  markdown: '',
};

test('explain page: strict CSP, nonce on the only script and style, nothing remote', () => {
  const html = explainHtml(explain, { nonce: 'N0NCE' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'nonce-N0NCE'/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, ['<script nonce="N0NCE">']);
  assert.deepEqual(html.match(/<style[^>]*>/g), ['<style nonce="N0NCE">']);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no remote URL but the SVG namespace');
  assert.doesNotMatch(html, / style="/, 'no inline style attribute (CSP would block it)');
  const tags = (html.match(/<[a-z][^>]*>/gi) ?? []).map((t) => t.replace(/"[^"]*"/g, '""'));
  assert.ok(!tags.some((t) => / on[a-z]+=/i.test(t)), 'no inline event handler attribute');
});

test('explain page: every string from source is escaped', () => {
  const html = explainHtml(explain, { nonce: 'n' });
  assert.ok(!html.includes('<img'), 'no raw tag from source text');
  assert.ok(html.includes(esc(EVIL)));
  assert.equal(esc(EVIL), '&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#96;&#38;');
});

test('explain page: one column per CPU, every step a link, a drawn cycle', () => {
  const html = explainHtml(explain, { nonce: 'n' });
  assert.equal((html.match(/<th class="cpu"/g) ?? []).length, 2);
  assert.equal((html.match(/<td class="step/g) ?? []).length, 4);
  assert.equal((html.match(/<td class="step blocked"/g) ?? []).length, 2);
  // steps are links carrying their location
  assert.match(html, /<a href="#" class="loc" data-uri="file:\/\/\/ws\/vgic.c" data-line="60" data-character="1"[^>]*>takes irq.lock in vgic_flush\(\)<\/a>/);
  assert.match(html, /<svg [^>]*aria-label="deadlock cycle: vgic_cpu.lock → irq.lock"/);
  assert.equal((html.match(/<g class="edge cyc">/g) ?? []).length, 2);
  assert.deepEqual([...allowedLocations(explain)], ['file:///ws/vgic.c']);
});

test('lock graph page: nodes, clickable edges, cycles highlighted', () => {
  const g: LockGraphResult = {
    nodes: [
      { id: 'a.lock', inCycle: true, contexts: ['process'] },
      { id: 'b.lock', inCycle: true, contexts: ['hardirq'] },
      { id: `c${EVIL}`, inCycle: false, contexts: [] },
    ],
    edges: [
      { from: 'a.lock', to: 'b.lock', inCycle: true, sites: [{ fn: 'f', loc: loc('x.c', 3) }] },
      { from: 'b.lock', to: 'a.lock', inCycle: true, sites: [{ fn: 'g', loc: loc('y.c', 9) }] },
      { from: 'a.lock', to: `c${EVIL}`, inCycle: false, sites: [{ fn: 'h', loc: loc('x.c', 20) }] },
    ],
    cycles: [['a.lock', 'b.lock']],
  };
  const html = graphHtml(g, { nonce: 'n' });
  assert.ok(!html.includes('<img'));
  assert.equal((html.match(/<g class="node cyc">/g) ?? []).length, 2);
  assert.equal((html.match(/<g class="node">/g) ?? []).length, 1);
  assert.equal((html.match(/<a href="#" class="loc" data-uri="file:\/\/\/ws\/[xy].c" data-line="\d+" data-character="1"><g class="edge/g) ?? []).length, 3);
  assert.match(html, /<li class="mono">a.lock → b.lock → a.lock<\/li>/);
  assert.deepEqual([...allowedLocations(g)].sort(), ['file:///ws/x.c', 'file:///ws/y.c']);
});

// ---------------------------------------------------------------------------
// Patch check page

const SCRIPT_EVIL = '</li><script>alert(1)</script>';

function patchFinding(over: Partial<PatchFinding> = {}): PatchFinding {
  return {
    id: 'p1',
    rule: 'lock-order-inversion',
    severity: 'error',
    confirmed: true,
    message: `zap_reset_stats takes tx_lock${SCRIPT_EVIL} while holding stats_lock`,
    locks: [`zap_dev.stats_lock${SCRIPT_EVIL}`, 'zap_dev.tx_lock'],
    functions: [`zap_reset_stats<script>`, 'zap_xmit'],
    location: { file: 'drivers/zap.c', line: 24, column: 2 },
    related: [],
    loc: { uri: 'file:///ws/drivers/zap.c', file: `drivers/zap.c${SCRIPT_EVIL}`, line: 23, character: 1 },
    version: 'tree',
    explanation: { ...explain, message: `explained ${SCRIPT_EVIL}`, location: loc('drivers/other.c', 3) },
    ...over,
  };
}

test('patch page: identifiers with <script> are escaped; same CSP and one nonce script', () => {
  const r: CheckPatchResult = {
    source: `evil${SCRIPT_EVIL}.patch`,
    introduced: [patchFinding()],
    fixed: [patchFinding({ id: 'p2', rule: 'wait-under-lock', version: 'unpatched', loc: loc('drivers/zap.c', 40) })],
    unchanged: 3,
    skipped: [{ file: `fw${SCRIPT_EVIL}.bin`, reason: 'binary' }],
  };
  const html = patchHtml(r, { nonce: 'N0NCE' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'nonce-N0NCE'/);
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script nonce="N0NCE">'], 'the page script is the only script tag');
  assert.ok(!html.includes('alert(1)</script>'));
  assert.ok(html.includes(esc(SCRIPT_EVIL)));
  assert.ok(html.includes('zap_reset_stats&#60;script&#62;'));
  assert.doesNotMatch(html, / style="/);
  const tags = (html.match(/<[a-z][^>]*>/gi) ?? []).map((t) => t.replace(/"[^"]*"/g, '""'));
  assert.ok(!tags.some((t) => / on[a-z]+=/i.test(t)), 'no inline event handler attribute');
  // lists, counts, links and explain buttons
  assert.match(html, /<p id="summary">1 introduced, 1 fixed, <span id="unchanged">3<\/span> unchanged\.<\/p>/);
  assert.equal((html.match(/<ul class="findings" id="introduced">/g) ?? []).length, 1);
  assert.equal((html.match(/<li class="finding"/g) ?? []).length, 2);
  assert.match(html, /<a href="#" class="loc" data-uri="file:\/\/\/ws\/drivers\/zap.c" data-line="23" data-character="1"/);
  assert.match(html, /<button type="button" class="explain" data-list="introduced" data-index="0"/);
  assert.match(html, /<button type="button" class="explain" data-list="fixed" data-index="0"/);
  assert.match(html, /line in the version before the patch/);
  // locations the page may open: the findings' and their explanations'
  assert.deepEqual([...allowedLocations(r)].sort(), ['file:///ws/drivers/other.c', 'file:///ws/drivers/zap.c', 'file:///ws/vgic.c']);
});

test('patch page: an error is a message, no lists', () => {
  const html = patchHtml({ source: 'x.patch', introduced: [], fixed: [], unchanged: 0, error: `drivers/zap.c: hunk #1 (@@ -1,3 +1,4 @@) does not apply <script>` }, { nonce: 'n' });
  assert.match(html, /<p id="error" class="error">drivers\/zap.c: hunk #1 \(@@ -1,3 \+1,4 @@\) does not apply &#60;script&#62;<\/p>/);
  assert.doesNotMatch(html, /id="introduced"|id="summary"/);
});

test('patch page: nothing introduced or fixed says so', () => {
  const html = patchHtml({ source: 'working tree', introduced: [], fixed: [], unchanged: 2 }, { nonce: 'n' });
  assert.match(html, /id="introduced-none"/);
  assert.match(html, /id="fixed-none"/);
});
