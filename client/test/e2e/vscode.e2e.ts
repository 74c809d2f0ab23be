// The packaged extension in a real VS Code: code-server (VS Code's workbench
// with a Node extension host) serves it on 127.0.0.1, Debian's Chromium
// driven by playwright-core is the browser. Needs scripts/e2e-setup.sh and
// `npm run package` first (npm run test:e2e does both); skipped otherwise.
// Screenshots go to test-results/e2e/.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../../..');
const ENV_FILE = path.join(ROOT, '.cache/e2e/env.sh');
const VSIX = path.join(ROOT, 'lockscope.vsix');
const SHOTS = path.join(ROOT, 'test-results/e2e');

function readEnv(): Record<string, string> | undefined {
  if (!fs.existsSync(ENV_FILE)) return undefined;
  const env: Record<string, string> = {};
  for (const m of fs.readFileSync(ENV_FILE, 'utf8').matchAll(/^export (\w+)="(.*)"$/gm)) env[m[1]] = m[2];
  return env;
}

const env = readEnv();
const skip = !process.env.LOCKSCOPE_E2E
  ? 'set LOCKSCOPE_E2E=1 (npm run test:e2e)'
  : !env
    ? 'run scripts/e2e-setup.sh first'
    : !fs.existsSync(VSIX)
      ? 'run npm run package first'
      : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`code-server did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The frame of a webview whose document contains `selector` (webviews nest two iframes). */
async function webviewFrame(page: Page, selector: string, ms = 20_000): Promise<Frame> {
  const end = Date.now() + ms;
  for (;;) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        /* detached */
      }
    }
    if (Date.now() > end) throw new Error(`no webview with ${selector}`);
    await page.waitForTimeout(250);
  }
}

/** Resolve once no live frame contains `selector` (its webview was disposed). */
async function noWebview(page: Page, selector: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    let found = false;
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) found = true;
      } catch {
        /* detached */
      }
    }
    if (!found) return;
    if (Date.now() > end) throw new Error(`a webview with ${selector} is still open`);
    await page.waitForTimeout(250);
  }
}

/**
 * The workspace as a git repository whose HEAD is evtchn.c without
 * port_user_lock in evtchn_ioctl_unbind; the working tree is the example as
 * it is, so `git diff HEAD` adds the lock around disable_irq: the
 * wait-under-lock at line 79 is what the working tree introduces.
 */
function makeRepo(ws: string): void {
  const file = path.join(ws, 'evtchn.c');
  const text = fs.readFileSync(file, 'utf8');
  const clean = text
    .replace('\tmutex_lock(&u->bind_mutex);\n\tspin_lock_irq(&port_user_lock);\n', '\tmutex_lock(&u->bind_mutex);\n')
    .replace('out:\n\tspin_unlock_irq(&port_user_lock);\n\tmutex_unlock(&u->bind_mutex);', 'out:\n\tmutex_unlock(&u->bind_mutex);');
  assert.notEqual(clean, text, 'the example still takes port_user_lock in evtchn_ioctl_unbind');
  const gitEnv = {
    ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.org', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.org',
  };
  const git = (...args: string[]) => execFileSync('git', ['-C', ws, ...args], { env: gitEnv, stdio: 'pipe' });
  fs.writeFileSync(file, clean);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'evtchn: unbind under bind_mutex only');
  fs.writeFileSync(file, text);
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

async function gotoLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+g');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
}

test('VS Code (code-server): Problems panel, status bar, Explain Lock Path, lock graph, Check Patch', { skip, timeout: 240_000 }, async () => {
  const e = env!;
  fs.mkdirSync(SHOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-e2e-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(ROOT, 'examples/xen-evtchn'), ws, { recursive: true });
  makeRepo(ws);
  const userData = path.join(tmp, 'user');
  const extDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'update.mode': 'none',
    }),
  );
  const base = [e.LOCKSCOPE_CODE_SERVER, '--auth', 'none', '--user-data-dir', userData, '--extensions-dir', extDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];
  const inst = spawnSync(e.LOCKSCOPE_NODE24, [...base, '--install-extension', VSIX], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(inst.status, 0, `install-extension failed: ${inst.stdout}\n${inst.stderr}`);
  assert.ok(fs.readdirSync(extDir).some((d) => d.startsWith('lockscope.lockscope-')), 'extension installed');

  const port = await freePort();
  const log: string[] = [];
  const server: ChildProcess = spawn(e.LOCKSCOPE_NODE24, [...base, '--bind-addr', `127.0.0.1:${port}`, ws], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  server.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  let browser: Browser | undefined;
  const t0 = Date.now();
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: e.LOCKSCOPE_CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 30_000 }).catch(() => undefined);

    // open the C file through Quick Open; the extension activates on C
    const tOpen = Date.now();
    await page.keyboard.press('Control+p');
    const qi = page.locator('.quick-input-widget input');
    await qi.waitFor({ state: 'visible' });
    await qi.fill('evtchn.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'evtchn.c' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor();

    // status bar: the server's lockscope/status after the first analysis
    const statusItem = page.locator('.statusbar-item', { hasText: /lockscope: 1 finding/ });
    await statusItem.first().waitFor({ timeout: 90_000 });
    const firstDiagMs = Date.now() - t0;
    const fromOpenMs = Date.now() - tOpen;

    // the code lens on the finding's line
    await gotoLine(page, 79);
    const lens = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration', { hasText: 'Explain lock path' }).first();
    await lens.waitFor({ timeout: 30_000 });

    // Problems panel lists the deadlock at evtchn.c, line 79
    await page.keyboard.press('Control+Shift+m');
    const marker = page.locator('.markers-panel .monaco-list-row', { hasText: 'disable_irq' }).first();
    await marker.waitFor({ timeout: 30_000 });
    const markerText = (await marker.innerText()).replace(/\s+/g, ' ');
    assert.match(markerText, /waits for the irq handler|disable_irq/);
    assert.match(markerText, /\[Ln 79, Col 2\]/, markerText);
    const fileRow = page.locator('.markers-panel .monaco-list-row', { hasText: 'evtchn.c' }).first();
    assert.ok(await fileRow.isVisible(), 'the file row in Problems');
    await page.screenshot({ path: path.join(SHOTS, '1-problems.png') });

    // Explain Lock Path from the command palette, cursor on the finding
    await page.locator('.monaco-editor .view-lines').first().click();
    await gotoLine(page, 79);
    await runCommand(page, 'Lockscope: Explain Lock Path');
    const frame = await webviewFrame(page, '#witness');
    const cpus = await frame.$$eval('th.cpu', (els) => els.map((x) => x.textContent ?? ''));
    assert.ok(cpus.length >= 2, `two CPU columns: ${cpus.join(' | ')}`);
    const stepCpus = await frame.$$eval('td.step', (els) => els.map((x) => x.getAttribute('data-cpu')));
    assert.ok(new Set(stepCpus).size >= 2, 'steps on both CPUs');
    assert.ok((await frame.$$('td.step a.loc')).length === stepCpus.length, 'every step is a link');
    assert.ok(await frame.$('svg[aria-label^="deadlock cycle"]'), 'the cycle drawing');
    const blocked = await frame.$$eval('td.step.blocked', (els) => els.length);
    assert.ok(blocked >= 2, 'both CPUs end blocked');
    await page.screenshot({ path: path.join(SHOTS, '2-explain.png') });

    // a step link opens the source at that line
    const firstLink = (await frame.$$('td.step a.loc'))[0];
    const targetLine = Number(await firstLink.getAttribute('data-line')) + 1;
    await firstLink.click();
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${targetLine},`) }).first().waitFor({ timeout: 15_000 });

    // the lock graph
    await runCommand(page, 'Lockscope: Show Lock Graph');
    const g = await webviewFrame(page, '#orders');
    assert.ok((await g.$$('svg g.node')).length >= 1);
    await page.screenshot({ path: path.join(SHOTS, '3-lock-graph.png') });

    // Check Patch… on the working tree's changes against HEAD: the wait-under-lock is introduced
    await runCommand(page, 'View: Close All Editors');
    await noWebview(page, '#witness');
    await noWebview(page, '#orders');
    // evtchn.c in the first group again, so that the panels open beside it
    await page.keyboard.press('Control+p');
    await qi.waitFor({ state: 'visible' });
    await qi.fill('evtchn.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'evtchn.c' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    await runCommand(page, 'Lockscope: Check Patch');
    const wtItem = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Working tree changes (git diff HEAD)' }).first();
    await wtItem.waitFor({ state: 'visible' });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Choose a .patch file' }).first().waitFor({ state: 'visible' });
    await wtItem.click();
    const pf = await webviewFrame(page, '#introduced li.finding, #error', 90_000);
    assert.equal(await pf.$('#error'), null, `patch check error: ${await pf.$eval('#error', (e) => e.textContent).catch(() => '')}`);
    const introduced = await pf.$$eval('#introduced li.finding', (els) => els.map((x) => (x.textContent ?? '').replace(/\s+/g, ' ')));
    assert.equal(introduced.length, 1, introduced.join(' | '));
    assert.match(introduced[0], /wait-under-lock/);
    assert.match(introduced[0], /evtchn\.c:79/);
    assert.ok(await pf.$('#fixed-none'), 'nothing fixed');
    assert.match((await pf.$eval('#summary', (e) => e.textContent ?? '')).replace(/\s+/g, ' '), /1 introduced, 0 fixed, 0 unchanged/);
    await page.screenshot({ path: path.join(SHOTS, '4-check-patch.png') });

    // Explain shows the patch's own explanation in the explain panel
    await (await pf.$('#introduced li.finding button.explain'))!.click();
    const px = await webviewFrame(page, '#witness');
    assert.ok((await px.$$eval('td.step.blocked', (els) => els.length)) >= 2, 'both CPUs end blocked');
    assert.match(await px.$eval('h1 .rule', (e) => e.textContent ?? ''), /wait-under-lock/);
    await page.screenshot({ path: path.join(SHOTS, '5-check-patch-explain.png') });

    // the finding's location link opens evtchn.c at line 79
    await (await pf.$('#introduced li.finding a.loc'))!.click();
    await page.locator('.statusbar-item', { hasText: /Ln 79,/ }).first().waitFor({ timeout: 15_000 });
    fs.writeFileSync(path.join(SHOTS, 'timings.json'), JSON.stringify({ startToFirstDiagnosticMs: firstDiagMs, openFileToFirstDiagnosticMs: fromOpenMs }, null, 2));
  } catch (err) {
    fs.writeFileSync(path.join(SHOTS, 'code-server.log'), log.join(''));
    const pages = browser?.contexts()[0]?.pages() ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(SHOTS, 'failure.png') }).catch(() => undefined);
    throw err;
  } finally {
    await browser?.close();
    server.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
