// The per-file facts cache: FileFacts stored on disk, keyed by (format,
// engine version, api/config fingerprint, file path, content hash).
//
// Where: $LOCKSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/lockscope, else
// ~/.cache/lockscope; never inside the user's tree.
//
// Entries of one (engine version, fingerprint) live in one namespace folder,
// <dir>/facts-v<FORMAT>/<namespace>/, whose `.used` stamp is touched by every
// process that opens it; pruneCache() removes namespaces unused for 14 days
// (old engine builds, old configurations), so the cache does not grow forever.
// Entry layout (one file per entry, <namespace>/<key[0..2]>/<key[2..]>):
//   line 1: JSON header {"lockscope":"facts","format":N,"key":K,"bytes":B,"sum":S}
//   rest:   the FileFacts as JSON, B bytes, whose sha256 is S.
// A reader trusts an entry only when the header parses, the format and key
// match, the payload has exactly B bytes with checksum S, the JSON parses and
// names the same file and content hash. Anything else counts as corrupt: the
// entry is removed and the facts are rebuilt by the caller.
// Writes go to a unique temporary file in the same directory, then rename(2):
// readers see the old entry or the new one, never half of one, so processes
// and threads sharing a cache cannot corrupt it. No method throws.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { FileFacts } from '../extract/ir';

/** Bump when the entry layout changes (not the facts: that is the engine version). */
export const CACHE_FORMAT = 1;

/** The documented cache location. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env.LOCKSCOPE_CACHE_DIR) return path.resolve(env.LOCKSCOPE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'lockscope');
  return path.join(home, '.cache', 'lockscope');
}

/** sha256 of file content, hex: FileFacts.hash. */
export function contentHash(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

let engineVersionMemo: string | undefined;

/**
 * A version that changes whenever the code producing facts changes: the
 * package version plus a hash of the compiled extract/ and syntax/ modules and
 * the grammar. Computed once per process.
 */
export function engineVersion(): string {
  if (engineVersionMemo) return engineVersionMemo;
  const h = crypto.createHash('sha256');
  const srcRoot = path.resolve(__dirname, '..'); // out/src (or src under ts-node)
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(srcRoot, '../../../package.json'), 'utf8')) as { version?: string };
    h.update(`v${pkg.version ?? '?'}\0`);
  } catch {
    h.update('v?\0');
  }
  for (const sub of ['extract', 'syntax', 'kernel-api']) {
    const dir = path.join(srcRoot, sub);
    let names: string[] = [];
    try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.js') || n.endsWith('.ts')).sort(); } catch { /* absent */ }
    for (const n of names) {
      h.update(`${sub}/${n}\0`);
      try { h.update(fs.readFileSync(path.join(dir, n))); } catch { /* unreadable: name only */ }
    }
  }
  engineVersionMemo = h.digest('hex').slice(0, 16);
  return engineVersionMemo;
}

/** A stable hash of any plain data (API rows, macros, config): the cache fingerprint. */
export function fingerprintOf(value: unknown): string {
  return crypto.createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (v instanceof Map) return stableJson([...v.entries()].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface CacheOptions {
  /** Default: defaultCacheDir(). */
  dir?: string;
  /** Default: engineVersion(). */
  engine?: string;
  /** Fingerprint of the API table, macros and config the facts were extracted with. */
  fingerprint: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found truncated, corrupt or mismatched: removed and rebuilt. */
  corrupt: number;
  writes: number;
  writeErrors: number;
}

export type LookupStatus = 'hit' | 'miss' | 'corrupt';

interface Header {
  lockscope: string;
  format: number;
  key: string;
  bytes: number;
  sum: string;
}

let tmpCounter = 0;

export class FactsCache {
  readonly dir: string;
  readonly engine: string;
  readonly fingerprint: string;
  /** Folder name of this (engine, fingerprint) pair under facts-v<FORMAT>/. */
  readonly namespace: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0, writeErrors: 0 };
  private readonly root: string;
  private readonly madeDirs = new Set<string>();

  constructor(opts: CacheOptions) {
    this.dir = opts.dir ?? defaultCacheDir();
    this.engine = opts.engine ?? engineVersion();
    this.fingerprint = opts.fingerprint;
    this.namespace = crypto.createHash('sha256').update(`${this.engine}\0${this.fingerprint}`).digest('hex').slice(0, 16);
    this.root = path.join(this.dir, `facts-v${CACHE_FORMAT}`, this.namespace);
  }

  /** Mark this namespace as in use (pruneCache keeps it). Never throws. */
  touch(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true });
      const stamp = path.join(this.root, '.used');
      const now = new Date();
      try { fs.utimesSync(stamp, now, now); } catch { fs.writeFileSync(stamp, ''); }
    } catch { /* read-only or missing cache dir: lookups just miss */ }
  }

  key(file: string, hash: string): string {
    return crypto
      .createHash('sha256')
      .update(`${CACHE_FORMAT}\0${this.engine}\0${this.fingerprint}\0${file}\0${hash}`)
      .digest('hex');
  }

  entryPath(file: string, hash: string): string {
    const k = this.key(file, hash);
    return path.join(this.root, k.slice(0, 2), k.slice(2));
  }

  /**
   * The verified JSON text of an entry, or why there is none. Use when the
   * text is to be parsed elsewhere (another thread); `get` parses it here.
   */
  lookupText(file: string, hash: string): { status: LookupStatus; text?: string } {
    const key = this.key(file, hash);
    const p = path.join(this.root, key.slice(0, 2), key.slice(2));
    let buf: Buffer;
    try {
      buf = fs.readFileSync(p);
    } catch {
      this.stats.misses++;
      return { status: 'miss' };
    }
    const text = this.verify(buf, key);
    if (text === undefined) {
      this.stats.corrupt++;
      try { fs.unlinkSync(p); } catch { /* another process may have replaced it already */ }
      return { status: 'corrupt' };
    }
    this.stats.hits++;
    return { status: 'hit', text };
  }

  /** Facts for (file, content hash), or undefined (miss or corrupt entry, see stats). */
  get(file: string, hash: string): FileFacts | undefined {
    return this.lookup(file, hash).facts;
  }

  lookup(file: string, hash: string): { status: LookupStatus; facts?: FileFacts } {
    const r = this.lookupText(file, hash);
    if (r.text === undefined) return { status: r.status };
    try {
      const facts = JSON.parse(r.text) as FileFacts;
      if (facts && facts.file === file && facts.hash === hash) return { status: 'hit', facts };
    } catch { /* fall through */ }
    // Checksum matched but content is not what was asked for: written wrong. Rebuild.
    this.stats.hits--;
    this.stats.corrupt++;
    try { fs.unlinkSync(this.entryPath(file, hash)); } catch { /* gone */ }
    return { status: 'corrupt' };
  }

  /** Store facts atomically. Failures are counted, never thrown. */
  put(file: string, hash: string, facts: FileFacts): boolean {
    let payload: Buffer;
    try {
      payload = Buffer.from(JSON.stringify(facts), 'utf8');
    } catch {
      this.stats.writeErrors++;
      return false;
    }
    return this.putText(file, hash, payload);
  }

  /** Store an already serialized FileFacts JSON. */
  putText(file: string, hash: string, payload: Buffer | string): boolean {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const key = this.key(file, hash);
    const sub = path.join(this.root, key.slice(0, 2));
    const final = path.join(sub, key.slice(2));
    const header: Header = {
      lockscope: 'facts',
      format: CACHE_FORMAT,
      key,
      bytes: body.length,
      sum: crypto.createHash('sha256').update(body).digest('hex'),
    };
    const tmp = `${final}.${process.pid}.${threadId}.${tmpCounter++}.tmp`;
    try {
      if (!this.madeDirs.has(sub)) {
        fs.mkdirSync(sub, { recursive: true });
        this.madeDirs.add(sub);
      }
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, `${JSON.stringify(header)}\n`);
        fs.writeSync(fd, body);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, final);
      this.stats.writes++;
      return true;
    } catch {
      this.stats.writeErrors++;
      try { fs.unlinkSync(tmp); } catch { /* never created */ }
      return false;
    }
  }

  private verify(buf: Buffer, key: string): string | undefined {
    const nl = buf.indexOf(10);
    if (nl < 0 || nl > 1024) return undefined;
    let h: Header;
    try {
      h = JSON.parse(buf.toString('utf8', 0, nl)) as Header;
    } catch {
      return undefined;
    }
    if (!h || h.lockscope !== 'facts' || h.format !== CACHE_FORMAT || h.key !== key) return undefined;
    const body = buf.subarray(nl + 1);
    if (body.length !== h.bytes) return undefined;
    if (crypto.createHash('sha256').update(body).digest('hex') !== h.sum) return undefined;
    return body.toString('utf8');
  }

  /** Remove every entry (and stray temporary files). Never throws. */
  clear(): void {
    try { fs.rmSync(this.root, { recursive: true, force: true }); } catch { /* best effort */ }
    this.madeDirs.clear();
  }
}

/**
 * Remove namespaces (engine builds, configurations) not used for maxAgeMs
 * (default 14 days), and entries of an older layout. Returns how many
 * namespaces went. Never throws.
 */
export function pruneCache(dir: string = defaultCacheDir(), maxAgeMs = 14 * 24 * 3600 * 1000, now = Date.now()): number {
  let removed = 0;
  let tops: string[] = [];
  try { tops = fs.readdirSync(dir); } catch { return 0; }
  for (const top of tops) {
    const m = /^facts-v(\d+)$/.exec(top);
    if (!m) continue;
    const base = path.join(dir, top);
    if (Number(m[1]) !== CACHE_FORMAT) {
      try { fs.rmSync(base, { recursive: true, force: true }); removed++; } catch { /* busy */ }
      continue;
    }
    let spaces: string[] = [];
    try { spaces = fs.readdirSync(base); } catch { continue; }
    for (const ns of spaces) {
      const p = path.join(base, ns);
      let used: number;
      try {
        used = fs.statSync(path.join(p, '.used')).mtimeMs;
      } catch {
        try { used = fs.statSync(p).mtimeMs; } catch { continue; }
      }
      if (now - used > maxAgeMs) {
        try { fs.rmSync(p, { recursive: true, force: true }); removed++; } catch { /* busy */ }
      }
    }
  }
  return removed;
}
