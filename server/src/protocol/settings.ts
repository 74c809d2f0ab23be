// The settings the server reads (workspace/configuration section "lockscope",
// or initializationOptions for editors without configuration pull). Types
// only: defaults and normalisation live in the server (lsp/settings.ts), so
// Neovim and Emacs users get the same behaviour as VS Code without a client.

export type RuleSeverity = 'error' | 'warning' | 'info' | 'off';

export interface ScopeSettings {
  /** Folders to index, relative to the workspace folder; empty = the whole folder. */
  folders?: string[];
  /** Globs (relative to the workspace folder) never indexed. */
  exclude?: string[];
  /** Index at most this many files (open files are always analysed). 0 disables indexing. */
  maxFiles?: number;
  /** Files larger than this many bytes are skipped. */
  maxFileBytes?: number;
}

export interface LockscopeSettings {
  scope?: ScopeSettings;
  /** Extra API rows, the same schema as `.lockscope.json`'s "api" key. */
  api?: unknown;
  /** Per rule severity, e.g. { "irq-inversion": "error", "recursive-lock": "off" }. */
  rules?: Record<string, RuleSeverity>;
  simulator?: { maxStates?: number; maxMillis?: number; cpus?: number };
  /** Delay after the last keystroke before re-analysing, in milliseconds. */
  debounceMs?: number;
  /**
   * Also write the path (one line per step) into the diagnostic message, for
   * clients that accept relatedInformation but do not show it (Neovim, Emacs).
   * Clients without relatedInformation support always get it in the message.
   */
  relatedInMessage?: boolean;
  /** Show findings the simulator could not confirm (as hints). */
  showUnconfirmed?: boolean;
}
