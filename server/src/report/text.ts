// Compiler-style text: one `file:line:col: severity: rule: message` line per
// finding, then a note line per step of its path, then a summary line.
import type { AnalysisResult } from '../engine/api';
import { RULE_IDS, type Finding } from './finding';

export function renderFindingText(f: Finding): string {
  const tag = f.suppressed ? ` [suppressed: ${f.suppressed.reason}]` : f.confirmed ? ' [confirmed]' : ' [unconfirmed]';
  const lines = [`${f.location.file}:${f.location.line}:${f.location.column}: ${f.severity}: ${f.rule}: ${f.message}${tag}`];
  for (const r of f.related) lines.push(`  ${r.file}:${r.line}:${r.column}: note: ${r.message.trim()}`);
  if (!f.confirmed && f.reason) lines.push(`  note: ${f.reason}`);
  if (f.witness) {
    const cpus = new Set(f.witness.map((s) => s.cpu)).size;
    const found = f.confirmed ? `deadlock confirmed on ${cpus} CPU(s)` : `the simulator found a deadlocking interleaving on ${cpus} CPU(s) for this path`;
    lines.push(`  note: ${found}; run \`lockscope explain ${f.location.file}:${f.location.line}\` for the scenario`);
  }
  return lines.join('\n');
}

export function countByRule(findings: readonly Finding[]): string {
  const parts = RULE_IDS.map((r) => [r, findings.filter((f) => f.rule === r).length] as const)
    .filter(([, n]) => n > 0).map(([r, n]) => `${r}: ${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** The analysis bounds that cut something, said in the summary line (see docs/limits.md). */
function cutText(c: AnalysisResult['stats']['cuts']): string {
  const parts = [
    c.statesDropped > 0 ? `${c.statesDropped} path states` : '',
    c.factsDropped > 0 ? `${c.factsDropped} summary facts` : '',
    c.recursionUnconverged > 0 ? `${c.recursionUnconverged} recursion cycles before a fixpoint` : '',
    c.cycleSearchesCut > 0 ? `${c.cycleSearchesCut} cycle searches` : '',
    c.candidatesCut > 0 ? `${c.candidatesCut} candidates` : '',
  ].filter((p) => p.length > 0);
  return parts.length > 0 ? `; bounds cut ${parts.join(', ')}` : '';
}

/** Skipped files are named, a reason each (at most SKIPPED_SHOWN; JSON and SARIF list them all). */
const SKIPPED_SHOWN = 20;

export function renderText(result: AnalysisResult): string {
  const out = result.findings.map(renderFindingText);
  for (const sk of result.skipped.slice(0, SKIPPED_SHOWN)) out.push(`${sk.file}: skipped: ${sk.reason}`);
  if (result.skipped.length > SKIPPED_SHOWN) out.push(`(${result.skipped.length - SKIPPED_SHOWN} more skipped files; --format json lists them all)`);
  const s = result.stats;
  const n = result.findings.length;
  const skipped = result.skipped.length > 0 ? `, ${result.skipped.length} skipped` : '';
  out.push(`lockscope: ${n} finding${n === 1 ? '' : 's'}${countByRule(result.findings)} in ${s.files} files${skipped}, ${s.functions} functions, ${s.lockSites} lock sites, ${s.durationMs} ms${cutText(s.cuts)}${s.reused ? ` (no file's facts changed since the run of ${s.reused.recordedAt}: its findings)` : ''}`);
  return `${out.join('\n')}\n`;
}
