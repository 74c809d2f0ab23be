// Candidate + simulator verdict -> Finding, and the suppressions that keep
// a finding honest: an inline comment naming the rule and a reason, or a
// `.lockscope.json` entry.
import { createHash } from 'node:crypto';
import type { Candidate } from '../check/check';
import type { Config } from '../config/config';
import type { SimResult } from '../simulate/types';
import type { Finding, RuleId } from './finding';

export function findingId(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 16);
}

/**
 * A proof through more nested calls than this is not reported by default: deep
 * chains are where branch correlation the summaries cannot see (first get /
 * last put, flags set far away) makes a path infeasible. Shown with --all.
 * 5: every true or plausible finding of the Linux triage sample needed at most
 * 5, while a fifth of the false ones needed 6 to 8 (docs/triage.md).
 */
export const MAX_REPORTED_DEPTH = 5;

export function toFinding(c: Candidate, result: SimResult | undefined, config: Config): Finding {
  const setting = config.rules[c.rule];
  // A proof too deep or standing on a guessed pointer target is shown with --all only.
  const doubt = c.depth > MAX_REPORTED_DEPTH
    ? `the path needs ${c.depth} nested calls (more than ${MAX_REPORTED_DEPTH}): too deep to trust without the branch conditions on it`
    : c.doubt;
  const confirmed = result?.kind === 'deadlock' && !doubt;
  const f: Finding = {
    id: findingId(c.key),
    rule: c.rule,
    severity: setting && setting !== 'off' ? setting : (confirmed || !result) && !doubt ? 'error' : 'warning',
    message: c.message,
    locks: c.locks,
    functions: c.functions,
    location: c.primary,
    related: c.related,
    confirmed: (confirmed || !result) && !doubt,
  };
  if (result?.kind === 'deadlock') f.witness = result.witness;
  if (doubt) f.reason = doubt;
  else if (result?.kind === 'deadlock') { /* confirmed */ }
  else if (result) f.reason = result.kind === 'safe' ? `simulator found no deadlocking interleaving: ${result.reason}` : `simulator stopped at its bound: ${result.reason}`;
  else f.reason = 'not simulated (--no-simulate)';
  return f;
}

/** `/* lockscope: ignore wait-under-lock -- handler never runs here *\/` on the line or the line above. */
const IGNORE = /lockscope:\s*ignore\s+([a-z*-]+(?:\s*,\s*[a-z*-]+)*)\s*(?:--|:)?\s*(.*?)\s*(?:\*\/)?\s*$/;

export function inlineSuppression(lines: readonly string[] | undefined, line: number, rule: RuleId): string | undefined {
  if (!lines) return undefined;
  for (const l of [line - 1, line - 2]) {
    const text = lines[l];
    if (text === undefined || !text.includes('lockscope:')) continue;
    const m = IGNORE.exec(text.slice(text.indexOf('lockscope:')));
    if (!m) continue;
    const rules = m[1].split(',').map((r) => r.trim());
    // A suppression must say why; one without a reason silences nothing.
    if ((rules.includes(rule) || rules.includes('*')) && m[2].trim().length > 0) return m[2].trim();
  }
  return undefined;
}

export function configSuppression(f: Finding, config: Config): string | undefined {
  for (const s of config.suppress) {
    if (s.rule !== '*' && s.rule !== f.rule) continue;
    if (s.function && !f.functions.includes(s.function)) continue;
    if (s.lock && !f.locks.includes(s.lock)) continue;
    return s.reason;
  }
  return undefined;
}
