// Defaults and normalisation of the "lockscope" settings. They live here, in
// the server, so every editor gets the same behaviour without client code.
import type { LockscopeSettings, RuleSeverity } from '../protocol/settings';

export interface Settings {
  scope: { folders: string[]; exclude: string[]; maxFiles: number; maxFileBytes: number };
  api: unknown;
  rules: Record<string, RuleSeverity>;
  simulator: { maxStates?: number; maxMillis?: number; cpus?: number };
  debounceMs: number;
  showUnconfirmed: boolean;
  relatedInMessage: boolean;
}

/**
 * Defaults chosen so that opening a whole kernel tree stays responsive: the
 * index reads at most 2,000 files (open files are always analysed on top),
 * skips generated and tool folders, and files over 1 MB.
 */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '**/.git/**',
  '**/node_modules/**',
  '**/.cache/**',
  '**/Documentation/**',
  '**/tools/**',
  '**/scripts/**',
  '**/samples/**',
  '**/*.mod.c',
];

export const DEFAULT_SETTINGS: Settings = {
  scope: { folders: [], exclude: [...DEFAULT_EXCLUDE], maxFiles: 2000, maxFileBytes: 1024 * 1024 },
  api: undefined,
  rules: {},
  simulator: {},
  // An edit re-analyses in tens of milliseconds (functions it did not touch keep their
  // facts, calls and summaries), and a newer edit cancels a running analysis: a short
  // pause (clangd's shortest) is enough to let a burst of keystrokes settle.
  debounceMs: 50,
  showUnconfirmed: false,
  relatedInMessage: false,
};

const SEVERITIES: readonly string[] = ['error', 'warning', 'info', 'off'];

function num(v: unknown, min: number, max: number, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.min(max, Math.floor(v))) : dflt;
}

function strings(v: unknown, dflt: readonly string[]): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.length > 0) : [...dflt];
}

/** Anything in, a complete Settings out; bad values fall back to the default, never throw. */
export function normalizeSettings(raw: unknown): Settings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as LockscopeSettings;
  const scope = (s.scope && typeof s.scope === 'object' ? s.scope : {}) as NonNullable<LockscopeSettings['scope']>;
  const rules: Record<string, RuleSeverity> = {};
  if (s.rules && typeof s.rules === 'object') {
    for (const [k, v] of Object.entries(s.rules)) if (typeof v === 'string' && SEVERITIES.includes(v)) rules[k] = v as RuleSeverity;
  }
  const sim = (s.simulator && typeof s.simulator === 'object' ? s.simulator : {}) as Settings['simulator'];
  const simulator: Settings['simulator'] = {};
  if (sim.maxStates !== undefined) simulator.maxStates = num(sim.maxStates, 100, 50_000_000, 200_000);
  if (sim.maxMillis !== undefined) simulator.maxMillis = num(sim.maxMillis, 10, 600_000, 2_000);
  if (sim.cpus !== undefined) simulator.cpus = num(sim.cpus, 2, 4, 4);
  return {
    scope: {
      folders: strings(scope.folders, []),
      exclude: strings(scope.exclude, DEFAULT_EXCLUDE),
      maxFiles: num(scope.maxFiles, 0, 1_000_000, DEFAULT_SETTINGS.scope.maxFiles),
      maxFileBytes: num(scope.maxFileBytes, 1024, 64 * 1024 * 1024, DEFAULT_SETTINGS.scope.maxFileBytes),
    },
    api: s.api,
    rules,
    simulator,
    debounceMs: num(s.debounceMs, 0, 10_000, DEFAULT_SETTINGS.debounceMs),
    showUnconfirmed: s.showUnconfirmed === true,
    relatedInMessage: s.relatedInMessage === true,
  };
}

/**
 * A glob as a RegExp over '/'-separated relative paths: `**` any number of
 * segments, `*` and `?` within a segment, `{a,b}` alternatives, `[...]` classes.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      re += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      re += ')';
      depth--;
    } else if (c === ',' && depth > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

export function makeExcluder(globs: readonly string[]): (relPath: string) => boolean {
  const res = globs.map(globToRegExp);
  return (rel) => {
    const p = rel.split('\\').join('/');
    // a directory glob like **/tools/** also matches the directory itself
    return res.some((r) => r.test(p) || r.test(p + '/'));
  };
}
