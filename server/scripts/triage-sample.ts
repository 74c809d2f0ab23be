// Draws a reproducible, rule-stratified sample of findings from a
// `lockscope check --format json` run and prints a markdown table skeleton for
// triage (docs/triage.md).
//
//   node server/out/scripts/triage-sample.js RESULT.json [--seed N] [--size N] [--root DIR]
//
// The findings are first put in a canonical order (rule, file, line, column,
// message) so that the sample does not depend on the order the run printed
// them in. Each rule gets a share of --size proportional to its number of
// findings (largest remainder), at least one for every rule that has findings;
// within a rule the sample is a seeded partial Fisher-Yates shuffle (mulberry32).
// Sampled rows are printed in rule order, then by location. --root makes the
// printed locations relative to DIR (the tree the run analysed).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from './prng';

interface JsonFinding {
  id: string;
  rule: string;
  severity?: string;
  confirmed?: boolean;
  message: string;
  location: { file: string; line: number; column: number };
  related?: Array<{ file: string; line: number; column: number; message: string }>;
}

interface JsonResult {
  findings: JsonFinding[];
  stats?: Record<string, number>;
  skipped?: Array<{ file: string; reason: string }>;
}


/** Per-rule sample sizes: proportional, largest remainder, at least one per non-empty rule, capped by the rule's count. */
export function allocate(counts: Map<string, number>, size: number): Map<string, number> {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  if (total === 0) return out;
  const want = Math.min(size, total);
  const rules = [...counts.keys()].sort();
  const rema: Array<{ rule: string; frac: number }> = [];
  let used = 0;
  for (const r of rules) {
    const exact = (counts.get(r)! * want) / total;
    const n = Math.min(counts.get(r)!, Math.max(1, Math.floor(exact)));
    out.set(r, n);
    used += n;
    rema.push({ rule: r, frac: exact - Math.floor(exact) });
  }
  rema.sort((a, b) => b.frac - a.frac || (a.rule < b.rule ? -1 : 1));
  for (let i = 0; used < want && i < rema.length * 2; i++) {
    const r = rema[i % rema.length].rule;
    if (out.get(r)! < counts.get(r)!) { out.set(r, out.get(r)! + 1); used++; }
  }
  return out;
}

function canonicalOrder(a: JsonFinding, b: JsonFinding): number {
  const ka = [a.rule, a.location.file, String(a.location.line).padStart(8, '0'), String(a.location.column).padStart(6, '0'), a.message];
  const kb = [b.rule, b.location.file, String(b.location.line).padStart(8, '0'), String(b.location.column).padStart(6, '0'), b.message];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

export function sample(findings: JsonFinding[], seed: number, size: number): JsonFinding[] {
  const byRule = new Map<string, JsonFinding[]>();
  for (const f of [...findings].sort(canonicalOrder)) {
    if (!byRule.has(f.rule)) byRule.set(f.rule, []);
    byRule.get(f.rule)!.push(f);
  }
  const alloc = allocate(new Map([...byRule].map(([r, fs]) => [r, fs.length])), size);
  const rand = mulberry32(seed);
  const out: JsonFinding[] = [];
  for (const rule of [...byRule.keys()].sort()) {
    const pool = byRule.get(rule)!.slice();
    const n = alloc.get(rule) ?? 0;
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rand() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    out.push(...pool.slice(0, n).sort(canonicalOrder));
  }
  return out;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function main(argv: string[]): number {
  let file: string | undefined;
  let seed = 20261124;
  let size = 40;
  let root: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--size') size = Number(argv[++i]);
    else if (a === '--root') root = argv[++i];
    else if (!file) file = a;
    else { process.stderr.write(`triage-sample: unexpected argument ${a}\n`); return 2; }
  }
  if (!file || !Number.isFinite(seed) || !Number.isInteger(size) || size < 1) {
    process.stderr.write('usage: triage-sample RESULT.json [--seed N] [--size N] [--root DIR]\n');
    return 2;
  }
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as JsonResult;
  const counts = new Map<string, number>();
  for (const f of result.findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const picked = sample(result.findings, seed, size);
  const alloc = new Map<string, number>();
  for (const f of picked) alloc.set(f.rule, (alloc.get(f.rule) ?? 0) + 1);
  const loc = (p: string): string => (root ? path.relative(root, path.resolve(root, p)) : p);

  const out: string[] = [];
  out.push(`Sample of ${picked.length} of ${result.findings.length} findings, seed ${seed}, stratified by rule.`, '');
  out.push('| rule | findings | sampled |', '| --- | ---: | ---: |');
  for (const r of [...counts.keys()].sort()) out.push(`| ${r} | ${counts.get(r)} | ${alloc.get(r) ?? 0} |`);
  out.push('', '| # | id | rule | location | message | verdict | reason (code) |', '| ---: | --- | --- | --- | --- | --- | --- |');
  picked.forEach((f, i) => {
    out.push(`| ${i + 1} | ${cell(f.id)} | ${f.rule} | ${cell(`${loc(f.location.file)}:${f.location.line}`)} | ${cell(f.message)} |  |  |`);
  });
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
