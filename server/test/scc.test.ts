import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { stronglyConnected } from '../src/graph/scc';

/** Seeded xorshift: the same graphs on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

function reach(adj: number[][], from: number): Set<number> {
  const seen = new Set<number>([from]);
  const todo = [from];
  while (todo.length > 0) for (const w of adj[todo.pop()!]) if (!seen.has(w)) { seen.add(w); todo.push(w); }
  return seen;
}

test('components are the mutual-reachability classes, each after every component it reaches', () => {
  for (let g = 0; g < 60; g++) {
    const r = rng(1000 + g);
    const n = 1 + Math.floor(r() * 40);
    const density = r() * 3;
    const adj = Array.from({ length: n }, () => Array.from({ length: Math.floor(r() * density * 2) }, () => Math.floor(r() * n)));
    const comps = stronglyConnected(adj.keys(), (v) => adj[v]);
    const reaches = adj.map((_, v) => reach(adj, v));
    // Every node once.
    assert.deepEqual(comps.flat().sort((a, b) => a - b), [...adj.keys()]);
    const compOf = new Map<number, number>();
    comps.forEach((c, i) => c.forEach((v) => compOf.set(v, i)));
    for (let v = 0; v < n; v++) {
      for (let w = 0; w < n; w++) {
        const mutual = reaches[v].has(w) && reaches[w].has(v);
        assert.equal(compOf.get(v) === compOf.get(w), mutual, `graph ${g}: ${v} and ${w}`);
        // Callees first: what v reaches outside its component came out before it.
        if (reaches[v].has(w) && !mutual) assert.ok(compOf.get(w)! < compOf.get(v)!, `graph ${g}: ${w} before ${v}`);
      }
    }
  }
});

test('a call chain of 100,000 functions in one cycle: no stack overflow, one component', () => {
  const n = 100_000;
  const comps = stronglyConnected(Array.from({ length: n }, (_, i) => i), (v) => [(v + 1) % n]);
  assert.equal(comps.length, 1);
  assert.equal(comps[0].length, n);
});

test('a one-function component is an array of exactly that function', () => {
  const comps = stronglyConnected(['a', 'b', 'c'], (n) => (n === 'a' ? ['b'] : n === 'b' ? ['a', 'c'] : []));
  assert.deepEqual(comps.map((c) => [...c].sort()), [['c'], ['a', 'b']]);
});
