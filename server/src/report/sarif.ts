// SARIF 2.1.0 for CI code scanning: one result per finding, the path as
// relatedLocations, the simulator's witness as a code flow with one thread
// flow per CPU.
import type { AnalysisResult } from '../engine/api';
import type { Finding, RuleId } from './finding';

const RULE_TEXT: Record<RuleId, string> = {
  'wait-under-lock': 'A wait for another context (disable_irq, del_timer_sync, cancel_work_sync ...) while holding a lock that the waited-for handler takes.',
  'lock-order-inversion': 'Two or more locks taken in opposite orders on different paths (AB-BA).',
  'irq-inversion': 'A lock taken in interrupt context and elsewhere with that interrupt enabled, or an irq-safe lock held while taking an irq-unsafe one.',
  'recursive-lock': 'A non-recursive lock taken again by the CPU that already holds it.',
  'sleep-in-atomic': 'A call that may sleep (mutex_lock, cancel_work_sync, flush_work, free_irq, kthread_stop ...) while a spinning lock is held.',
};

function level(f: Finding): 'error' | 'warning' | 'note' {
  return f.severity === 'info' ? 'note' : f.severity;
}

function location(file: string, line: number, column: number, message?: string): Record<string, unknown> {
  const loc: Record<string, unknown> = {
    physicalLocation: { artifactLocation: { uri: file.split('\\').join('/') }, region: { startLine: line, startColumn: column } },
  };
  if (message) loc.message = { text: message };
  return loc;
}

export function renderSarif(result: AnalysisResult, version: string): string {
  const rules = (Object.keys(RULE_TEXT) as RuleId[]).map((id) => ({
    id, name: id, shortDescription: { text: RULE_TEXT[id] }, defaultConfiguration: { level: 'error' },
  }));
  const results = result.findings.map((f) => {
    const r: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: rules.findIndex((x) => x.id === f.rule),
      level: level(f),
      message: { text: f.message },
      locations: [location(f.location.file, f.location.line, f.location.column)],
      relatedLocations: f.related.map((s, i) => ({ id: i + 1, ...location(s.file, s.line, s.column, s.message.trim()) })),
      partialFingerprints: { 'lockscope/v1': f.id },
      properties: { locks: f.locks, functions: f.functions, confirmed: f.confirmed },
    };
    if (f.witness) {
      const cpus = [...new Set(f.witness.map((s) => s.cpu))].sort((a, b) => a - b);
      r.codeFlows = [{
        message: { text: `deadlocking interleaving on ${cpus.length} CPU(s)` },
        threadFlows: cpus.map((cpu) => ({
          id: `CPU${cpu}`,
          locations: f.witness!.filter((s) => s.cpu === cpu).map((s) => ({
            executionOrder: f.witness!.indexOf(s) + 1,
            nestingLevel: 0,
            location: location(s.site.file, s.site.line, s.site.column, `${s.ctx}: ${s.fn}() ${s.action} ${s.lock ?? s.handler ?? ''}`.trim()),
          })),
        })),
      }];
    }
    if (f.suppressed) r.suppressions = [{ kind: 'inSource', justification: f.suppressed.reason }];
    return r;
  });
  return `${JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'lockscope', version, rules } }, results }],
  }, null, 2)}\n`;
}
