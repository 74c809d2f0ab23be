// The one data-driven runner over annotated C fixtures (server/test/fixtures).
// A fixture is a .c file, or a directory of files analysed together. In it:
//   // expect: <rule> {{message substring}}     a finding whose primary location is this line
//   // expect@+N / expect@-N: ...                the same, for the line N below / above
//   // expect-related: {{substring}}             some finding has a path step on this line with that text
//   // expect-witness: {{substring}}             some finding's witness has a step on this line with that text
//   // expect-none                               no finding at all in the fixture
//   // parse-error-ok                            tree-sitter may report ERROR nodes (otherwise a syntax slip fails the test)
//   //- config: {...}                           .lockscope.json for the fixture (first lines)
//   //- with: <fixture>                          also analyse that fixture's files (a variant without copying them)
// Every fixture also runs through the CLI's JSON output, so that the CLI and
// the engine cannot diverge. False negatives and false positives are listed apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSources } from '../src/engine/analyze';
import { parseConfig } from '../src/config/config';
import { main } from '../src/cli/main';
import { parseC } from '../src/syntax/parser';
import { RULE_IDS, type Finding } from '../src/report/finding';

const FIXTURES = path.resolve(__dirname, '../../test/fixtures');
const MINIKERNEL = path.join(FIXTURES, 'include', 'minikernel.h');

interface Expectation {
  file: string;
  line: number;
  kind: 'expect' | 'expect-related' | 'expect-witness';
  rule?: string;
  text?: string;
}

function fixtureFiles(p: string): string[] {
  if (fs.statSync(p).isFile()) return [p];
  return fs.readdirSync(p).sort().flatMap((f) => {
    const full = path.join(p, f);
    if (fs.statSync(full).isDirectory()) return fixtureFiles(full);
    return f.endsWith('.c') || f.endsWith('.h') ? [full] : [];
  });
}

function readExpectations(files: string[]): { expects: Expectation[]; none: boolean; parseErrorOk: boolean; config?: unknown; with: string[] } {
  const expects: Expectation[] = [];
  let none = false;
  let parseErrorOk = false;
  let config: unknown;
  const withFiles: string[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      const m = /\/\/ (expect(?:-related|-witness)?)(?:@([+-]\d+))?:\s*(?:([a-z-]+)\s*)?(?:\{\{(.*?)\}\})?\s*$/.exec(text);
      if (m) {
        expects.push({
          file, line: i + 1 + (m[2] ? Number(m[2]) : 0), kind: m[1] as Expectation['kind'], rule: m[3], text: m[4],
        });
      }
      if (/\/\/ expect-none\b/.test(text)) none = true;
      if (/\/\/ parse-error-ok\b/.test(text)) parseErrorOk = true;
      const c = /^\/\/- config: (.*)$/.exec(text);
      if (c) config = JSON.parse(c[1]);
      const w = /^\/\/- with: (\S+)$/.exec(text);
      if (w) withFiles.push(...fixtureFiles(path.join(path.dirname(file), w[1])));
    });
  }
  return { expects, none, parseErrorOk, config, with: withFiles };
}

function matches(e: Expectation, f: Finding): boolean {
  switch (e.kind) {
    case 'expect':
      return f.location.file === e.file && f.location.line === e.line && (!e.rule || f.rule === e.rule)
        && (!e.text || f.message.includes(e.text));
    case 'expect-related':
      return f.related.some((r) => r.file === e.file && r.line === e.line && (!e.text || r.message.includes(e.text)));
    case 'expect-witness':
      return (f.witness ?? []).some((s) => s.site.file === e.file && s.site.line === e.line
        && (!e.text || `${s.action} ${s.lock ?? ''} ${s.handler ?? ''} ${s.fn}`.includes(e.text)));
  }
}

function describe(f: Finding): string {
  return `${path.relative(FIXTURES, f.location.file)}:${f.location.line} ${f.rule}: ${f.message}`;
}

function collectFixtures(): string[] {
  const out: string[] = [];
  for (const rule of fs.readdirSync(FIXTURES).sort()) {
    if (!(RULE_IDS as readonly string[]).includes(rule)) continue; // include/ and other tests' data
    const dir = path.join(FIXTURES, rule);
    for (const entry of fs.readdirSync(dir).sort()) out.push(path.join(dir, entry));
  }
  return out;
}

for (const fixture of collectFixtures()) {
  test(`fixture ${path.relative(FIXTURES, fixture)}`, async () => {
    const files = fixtureFiles(fixture);
    const { expects, none, parseErrorOk, config, with: withFiles } = readExpectations(files);
    assert.ok(none || expects.length > 0, 'a fixture states what it expects (expect: or expect-none)');
    if (!parseErrorOk) {
      for (const file of files) {
        const tree = await parseC(fs.readFileSync(file, 'utf8'));
        const clean = !tree.rootNode.hasError;
        tree.delete();
        assert.ok(clean, `${path.relative(FIXTURES, file)} has a syntax error; fix it or mark it // parse-error-ok`);
      }
    }
    const sources = [MINIKERNEL, ...withFiles, ...files].map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
    const cfg = config === undefined ? undefined : parseConfig(config, `${fixture} //- config`);
    const result = await analyzeSources(sources, { config: cfg });
    const findings = result.findings;

    const missing = expects.filter((e) => !findings.some((f) => matches(e, f)));
    const primaries = expects.filter((e) => e.kind === 'expect');
    const unexpected = findings.filter((f) => !primaries.some((e) => matches(e, f)));
    const problems: string[] = [];
    if (missing.length > 0) {
      problems.push('false negatives (expected, not reported):', ...missing.map((e) => `  ${path.relative(FIXTURES, e.file)}:${e.line} ${e.kind} ${e.rule ?? ''} ${e.text ?? ''}`));
    }
    if (unexpected.length > 0) problems.push('false positives (reported, not expected):', ...unexpected.map((f) => `  ${describe(f)}`));
    assert.equal(problems.length, 0, `\n${problems.join('\n')}\n(all findings:\n${findings.map((f) => `  ${describe(f)}`).join('\n') || '  none'})`);

    // The CLI's JSON path reports the same findings at the same places.
    if (config === undefined) {
      let stdout = '';
      const code = await main(['check', '--format', 'json', MINIKERNEL, ...withFiles, ...files], { stdout: (s) => { stdout += s; }, stderr: () => undefined });
      const json = JSON.parse(stdout) as { findings: Array<{ rule: string; location: { file: string; line: number } }> };
      assert.equal(code, findings.length > 0 ? 1 : 0, 'exit status: 1 with findings, 0 without');
      assert.deepEqual(
        json.findings.map((f) => `${f.rule}@${path.resolve(f.location.file)}:${f.location.line}`).sort(),
        findings.map((f) => `${f.rule}@${path.resolve(f.location.file)}:${f.location.line}`).sort(),
      );
    }
  });
}
