// A short run of the language-server soak (server/scripts/soak.ts; the full
// 10,000-operation run is `npm run soak`): the real server over stdio on a
// temporary copy of examples/, 300 random operations — edits that mostly
// leave the file unparseable, closes and opens, hovers, code actions, code
// lenses, explain and lock-graph commands, cancelled requests and requests
// that must fail.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatReport, runSoak } from '../scripts/soak';

test('soak (300 operations): the server survives, fails requests as errors, honours cancellation, keeps its memory', { timeout: 120_000 }, async () => {
  const r = await runSoak({ edits: 300, seed: 7, budgetMs: 90_000 });
  const summary = formatReport(r);
  assert.equal(r.stoppedByBudget, false, summary);
  assert.equal(r.operations, 300, summary);
  assert.equal(r.serverExited, false, summary);
  assert.equal(r.answeredAtEnd, true, summary);
  assert.equal(r.errors.unexpected, 0, summary);
  assert.ok(r.ops.edit > 150 && r.unbalancedAfterEdit > 50, `mostly edits, many unparseable\n${summary}`);
  assert.ok(r.requests.hover > 0 && r.requests.codeAction > 0 && r.requests.explain > 0 && r.requests.lockGraph > 0, summary);

  // every failing request was answered as expected (an error, or null for a hover of an unknown document),
  // and the server answered a normal request right after each
  assert.ok(r.probes.length >= 16, summary);
  for (const p of r.probes) {
    assert.ok(p.ok, `${p.name}: expected ${p.expected}, got ${p.got}`);
    assert.ok(p.answeredAfter, `${p.name}: no answer after it`);
  }
  assert.equal(r.errors.expected['unknown-command'], -32602);
  assert.equal(r.errors.expected['explain-malformed-args'], -32602);
  assert.equal(r.errors.expected['hover-malformed-position'], -32603);
  assert.equal(r.errors.expected['unknown-method'], -32601);

  // cancellation: a lock graph waiting for the first analysis stops waiting; a patch check stops its analyses
  const [graph, patch] = r.cancellation;
  assert.ok(graph.ok && patch.ok, summary);
  if (graph.outcome === 'cancelled') assert.ok(graph.ms < 1000, summary);
  // Cancelled, or, when the (now faster) check is already in its last synchronous stage as the
  // cancel arrives, answered no later than an uncancelled one: never later, never an error.
  assert.ok(patch.outcome === 'cancelled' || patch.outcome === 'completed', summary);
  assert.ok(patch.ok, summary);
  assert.ok(patch.ms < patch.uncancelledMs! + 200, summary);
  assert.equal(r.cancelledInLoop.other, 0, summary);

  // memory: the 20% bound holds for `npm run soak`; after a 30-operation warm-up the heap is still
  // growing to its working size, so the short run only catches a gross leak
  assert.ok(r.rssKb.afterWarmup > 0 && r.rssKb.end > 0, summary);
  assert.ok(r.rssKb.ratio <= 1.5, summary);
});
