// The one finding model every output is rendered from (CLI text, JSON, SARIF,
// LSP diagnostics, explain). Renderers own their wire formats; nothing here
// knows about them.
import type { Site } from '../extract/ir';
import type { WitnessStep } from '../simulate/types';

export type RuleId = 'wait-under-lock' | 'lock-order-inversion' | 'irq-inversion' | 'recursive-lock' | 'sleep-in-atomic';

export const RULE_IDS: readonly RuleId[] = [
  'wait-under-lock',
  'lock-order-inversion',
  'irq-inversion',
  'recursive-lock',
  'sleep-in-atomic',
];

export type Severity = 'error' | 'warning' | 'info';

/** One step of a finding's path: an acquisition, call or wait, with what it means. */
export interface RelatedStep extends Site {
  message: string;
}

export interface Finding {
  /** Stable across edits that move lines: rule + lock classes + functions. */
  id: string;
  rule: RuleId;
  severity: Severity;
  message: string;
  locks: string[];
  functions: string[];
  location: Site;
  related: RelatedStep[];
  /** The simulator found a deadlocking interleaving (witness), or did not (reason). */
  confirmed: boolean;
  reason?: string;
  witness?: WitnessStep[];
  /** Set when a suppression comment or config entry silences it (shown with --show-suppressed). */
  suppressed?: { by: 'comment' | 'config'; reason: string };
}
