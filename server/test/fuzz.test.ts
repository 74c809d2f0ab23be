// Seeded, reproducible fuzzing of the readers of untrusted input (the
// targets live in server/scripts/fuzz.ts; `npm run fuzz` runs them with many
// more cases), plus fixed pathological inputs of the C front end: a 1 MB
// line, 10,000-deep nesting of braces and of parentheses, NUL and invalid
// UTF-8. Properties: no exception escapes but the documented error types,
// with one-line messages; every case within its time bound.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { extractSource, MAX_NESTING, type ExtractEnv } from '../src/extract/extract';
import { apiTableFor } from '../src/engine/analyze';
import { defaultConfig } from '../src/config/config';
import { getParser } from '../src/syntax/parser';
import { parsePatch, PatchError } from '../src/patch/index';
import { C_SEEDS, TARGETS, checkEngineOn } from '../scripts/fuzz';

/** Fixed seed: a failure here replays with `LOCKSCOPE_FUZZ_SEED=20241124 npm run fuzz`. */
const SEED = 20241124;

/** Cases per target in `npm test` (the whole file stays well under 60 s on 2 busy cores). */
const RUNS: Record<string, number> = {
  'c-extract': 150,
  'c-engine': 80,
  patch: 400,
  config: 400,
  'config-file': 150,
  'config-engine': 50,
};

/** Targets with a known failure owned elsewhere, reported and pinned here as todo until fixed (none now). */
const KNOWN: Record<string, string> = {};

for (const target of TARGETS) {
  test(`fuzz ${target.name}: ${RUNS[target.name]} seeded cases, no escaping exception, each within ${target.caseMs} ms`,
    { timeout: 120_000, todo: KNOWN[target.name] }, async () => {
      const cases = await target.run({ numRuns: RUNS[target.name], seed: SEED });
      assert.equal(cases, RUNS[target.name]);
    });
}

test('patch reader: a git diff without its ---/+++ lines is a one-line PatchError, not a TypeError', { todo: KNOWN.patch }, () => {
  const text = 'diff --git a/x.c b/x.c\n+++ b/x.c\n@@ -1,1 +1,1 @@\n-a\n+b\n';
  const parsed = parsePatch(text, 'x.patch');
  assert.ok(parsed instanceof PatchError);
  assert.doesNotMatch(parsed.message, /\n/);
});

// ---------------------------------------------------------------------------
// Fixed pathological C inputs: each through extraction and the whole engine.

async function env(): Promise<ExtractEnv> {
  await getParser();
  return { api: apiTableFor(defaultConfig()), macros: new Map() };
}

const MB = 1024 * 1024;

function fill(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

const PATHOLOGICAL: Array<{ name: string; text: () => string; boundMs: number; nestingGap?: boolean }> = [
  {
    // 16,384 lock calls on one line; the full 1 MB (65,536 calls) takes ~9 s to extract and ~8 s
    // more through the engine on one core (docs/limits.md): linear, kept out of `npm test` for time.
    name: '256 KB line of lock calls in one function',
    text: () => `void f(void) { ${fill('spin_lock(&a); spin_unlock(&a); ', MB / 4)} }\n`,
    boundMs: 20_000,
  },
  {
    name: '1 MB line: one expression a+a+a+... (left-deep tree, 500,000 levels)',
    text: () => `void f(void) { x = ${fill('a+', MB)}a; spin_lock(&l); }\n`,
    boundMs: 20_000,
  },
  {
    name: '1 MB string literal and 1 MB comment on one line each',
    text: () => `static const char *s = "${fill('x', MB)}";\n/* ${fill('y', MB)} */\nvoid f(void) { spin_lock(&l); }\n`,
    boundMs: 20_000,
  },
  {
    name: '10,000-deep braces',
    text: () => `void f(void) {\n${'{'.repeat(10_000)} spin_lock(&l); ${'}'.repeat(10_000)}\n}\nvoid g(void) { spin_lock(&l); }\n`,
    boundMs: 10_000,
    nestingGap: true,
  },
  {
    name: '10,000-deep parentheses',
    text: () => `void f(void) {\n x = ${'('.repeat(10_000)}a${')'.repeat(10_000)};\n spin_lock(&l);\n}\n`,
    boundMs: 10_000,
  },
  {
    name: '10,000-deep nested calls',
    text: () => `void f(void) {\n ${'g('.repeat(10_000)}a${')'.repeat(10_000)};\n}\n`,
    boundMs: 10_000,
  },
  {
    name: '10,000 nested if statements',
    text: () => `void f(void) {\n${'if (a) '.repeat(10_000)} spin_lock(&l);\n}\n`,
    boundMs: 10_000,
    nestingGap: true,
  },
  {
    name: '10,000-deep #ifdef at file scope and in a body',
    text: () => `${'#ifdef A\n'.repeat(10_000)}void f(void) {\n${'#ifdef B\n'.repeat(10_000)}spin_lock(&l);\n${'#endif\n'.repeat(10_000)}}\n${'#endif\n'.repeat(10_000)}`,
    boundMs: 10_000,
  },
  {
    name: '10,000-deep initializer braces',
    text: () => `static struct foo_ops ops = ${'{'.repeat(10_000)}.a = f${'}'.repeat(10_000)};\n`,
    boundMs: 10_000,
  },
  {
    name: 'NUL bytes, invalid UTF-8 (decoded to U+FFFD) and lone surrogates',
    text: () => Buffer.concat([
      Buffer.from(C_SEEDS[0].slice(0, 600)), Buffer.from([0, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0]),
      Buffer.from(C_SEEDS[0].slice(600)),
    ]).toString('utf8').replace('spin_lock(&d->lock);', 'spin_lock(&d->\uD800lock\0);'),
    boundMs: 10_000,
  },
];

for (const c of PATHOLOGICAL) {
  test(`pathological C: ${c.name} (extract + engine within ${c.boundMs} ms)`, { timeout: 4 * c.boundMs }, async () => {
    const text = c.text();
    const e = await env();
    const t0 = performance.now();
    const facts = await extractSource('p.c', text, e);
    const extractMs = performance.now() - t0;
    assert.ok(extractMs < c.boundMs, `extractSource took ${extractMs.toFixed(0)} ms`);
    const gaps = [...facts.gaps, ...facts.functions.flatMap((f) => f.gaps)];
    for (const g of gaps) assert.doesNotMatch(g.what, /[\r\n]/);
    if (c.nestingGap) {
      assert.ok(gaps.some((g) => g.what.startsWith(`nesting deeper than ${MAX_NESTING}`)), 'the cut is reported as a gap');
    }
    const t1 = performance.now();
    await checkEngineOn(text);
    const engineMs = performance.now() - t1;
    assert.ok(engineMs < c.boundMs, `analyzeSources took ${engineMs.toFixed(0)} ms`);
  });
}
