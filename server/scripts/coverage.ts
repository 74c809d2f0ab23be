// Extraction coverage: of the textual lock/unlock call sites in a tree (a
// regex count of the primitives' names followed by `(`, outside comments,
// strings and preprocessor lines), the share that extraction attributes to a
// function, matched by line and API name.
//
//   node server/out/scripts/coverage.js /tmp/linux-source-6.12/drivers [--jobs 2]
import * as path from 'node:path';
import { LINUX_API } from '../src/kernel-api/linux';
import { apiTableFor } from '../src/engine/analyze';
import { defaultConfig } from '../src/config/config';
import { collectFacts } from '../src/engine/pool';
import * as fs from 'node:fs';

const LOCK_NAMES = new Set(LINUX_API.filter((r) => r.op === 'acquire' || r.op === 'release').map((r) => r.fn));
const CALL = /\b([A-Za-z_]\w*)\s*\(/g;

/** Blank comments, string and char literals, and preprocessor logical lines, keeping line numbers. */
export function codeOnly(text: string): string {
  let out = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, (m) => ' '.repeat(m.length))
    .replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => ' '.repeat(m.length));
  // A #define continues over backslash-newlines: blank the whole logical line.
  out = out.replace(/^[ \t]*#(?:[^\n\\]|\\\n|\\[^\n])*/gm, (m) => m.replace(/[^\n]/g, ' '));
  return out;
}

export function textualSites(text: string): Array<{ line: number; name: string }> {
  const sites: Array<{ line: number; name: string }> = [];
  const lines = codeOnly(text).split('\n');
  lines.forEach((l, i) => {
    CALL.lastIndex = 0;
    for (let m = CALL.exec(l); m; m = CALL.exec(l)) if (LOCK_NAMES.has(m[1])) sites.push({ line: i + 1, name: m[1] });
  });
  return sites;
}

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root) {
    process.stderr.write('usage: coverage.js DIR [--jobs N]\n');
    process.exit(2);
  }
  const jobsArg = process.argv.indexOf('--jobs');
  const jobs = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : undefined;
  const api = apiTableFor(defaultConfig());
  const started = Date.now();
  const collected = await collectFacts([root], {
    jobs, env: { rows: api.rows, opsRows: api.opsRows, macros: [] }, cache: {},
    extensions: ['.c'],
  });
  let textual = 0;
  let attributed = 0;
  const misses: string[] = [];
  for (const facts of collected.facts) {
    let text: string;
    try {
      text = fs.readFileSync(facts.file, 'utf8');
    } catch {
      continue;
    }
    const extracted = new Map<string, number>();
    for (const fn of facts.functions) {
      for (const b of fn.blocks) {
        for (const ev of b.events) {
          if (ev.kind !== 'acquire' && ev.kind !== 'release') continue;
          const key = `${ev.site.line}:${ev.api}`;
          extracted.set(key, (extracted.get(key) ?? 0) + 1);
        }
      }
    }
    for (const s of textualSites(text)) {
      textual++;
      const key = `${s.line}:${s.name}`;
      const n = extracted.get(key) ?? 0;
      if (n > 0) {
        attributed++;
        extracted.set(key, n - 1);
      } else if (misses.length < 40) {
        misses.push(`${path.relative(root, facts.file)}:${s.line} ${s.name}`);
      }
    }
  }
  const share = textual === 0 ? 1 : attributed / textual;
  process.stdout.write(`files analysed: ${collected.facts.length}, skipped: ${collected.skipped.length}\n`);
  process.stdout.write(`textual lock/unlock call sites: ${textual}\n`);
  process.stdout.write(`attributed to their function by extraction: ${attributed} (${(share * 100).toFixed(2)}%)\n`);
  process.stdout.write(`time: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (misses.length > 0) process.stdout.write(`first misses:\n${misses.map((m) => `  ${m}`).join('\n')}\n`);
}

if (require.main === module) void main();
