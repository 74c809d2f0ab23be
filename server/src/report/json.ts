// The JSON wire format of `lockscope check` (version 1). Written field by
// field so that the public format never changes by accident with the engine.
import type { AnalysisResult } from '../engine/api';
import type { Finding } from './finding';

export const JSON_FORMAT_VERSION = 1;

export interface JsonFinding {
  id: string;
  rule: string;
  severity: string;
  confirmed: boolean;
  reason?: string;
  message: string;
  locks: string[];
  functions: string[];
  location: { file: string; line: number; column: number };
  related: Array<{ file: string; line: number; column: number; message: string }>;
  witness?: Array<{ cpu: number; context: string; action: string; lock?: string; handler?: string; function: string; file: string; line: number; column: number; blocked?: boolean }>;
  suppressed?: { by: string; reason: string };
}

export function findingToJson(f: Finding): JsonFinding {
  const out: JsonFinding = {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    confirmed: f.confirmed,
    message: f.message,
    locks: f.locks,
    functions: f.functions,
    location: { file: f.location.file, line: f.location.line, column: f.location.column },
    related: f.related.map((r) => ({ file: r.file, line: r.line, column: r.column, message: r.message })),
  };
  if (f.reason) out.reason = f.reason;
  if (f.witness) {
    out.witness = f.witness.map((s) => ({
      cpu: s.cpu, context: s.ctx, action: s.action, lock: s.lock, handler: s.handler, function: s.fn,
      file: s.site.file, line: s.site.line, column: s.site.column, blocked: s.blocked || undefined,
    }));
  }
  if (f.suppressed) out.suppressed = { by: f.suppressed.by, reason: f.suppressed.reason };
  return out;
}

export function renderJson(result: AnalysisResult): string {
  return `${JSON.stringify({
    version: JSON_FORMAT_VERSION,
    findings: result.findings.map(findingToJson),
    stats: {
      files: result.stats.files,
      functions: result.stats.functions,
      lockSites: result.stats.lockSites,
      durationMs: result.stats.durationMs,
      candidates: result.stats.candidates,
      confirmed: result.stats.confirmed,
      dropped: result.stats.dropped,
      atBound: result.stats.atBound,
      simulateMs: result.stats.simulateMs,
      lockClasses: result.stats.lockClasses,
      orderEdges: result.stats.orderEdges,
      pointerCalls: result.stats.pointerCalls,
      contexts: result.stats.contexts,
      cuts: result.stats.cuts,
      reused: result.stats.reused,
    },
    skipped: result.skipped,
  }, null, 2)}\n`;
}
