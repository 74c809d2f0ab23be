// A second real LSP client: headless Neovim (Debian's neovim, built-in LSP
// client) starts `lockscope lsp --stdio`, opens the evtchn example, receives
// the diagnostic, then deletes the spin_lock_irq line and sees it go away.
// Skipped unless LOCKSCOPE_E2E=1 and nvim is installed (scripts/e2e-setup.sh).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const nvim = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' }).stdout.trim();
const skip = !process.env.LOCKSCOPE_E2E ? 'set LOCKSCOPE_E2E=1 (npm run test:nvim)' : !nvim ? 'nvim not installed (scripts/e2e-setup.sh)' : false;

const lua = (s: string): string => JSON.stringify(s); // a JSON string is a valid Lua string literal here (ASCII paths)

function script(ws: string, out: string): string {
  return `
local ws = ${lua(ws)}
local out = ${lua(out)}
local result = { events = {} }
local function finish()
  local f = io.open(out, 'w'); f:write(vim.fn.json_encode(result)); f:close()
  vim.cmd('qa!')
end
local ok, err = pcall(function()
  local id = vim.lsp.start_client({
    name = 'lockscope',
    cmd = { ${lua(process.execPath)}, ${lua(path.join(ROOT, 'server/bin/lockscope.js'))}, 'lsp', '--stdio' },
    root_dir = ws,
    init_options = { settings = { relatedInMessage = true } },
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = 'ws' } },
  })
  result.client_id = id
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/evtchn.c'))
  vim.bo.filetype = 'c'
  vim.lsp.buf_attach_client(0, id)
  local t0 = vim.loop.hrtime()
  local got = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  result.first_ms = (vim.loop.hrtime() - t0) / 1e6
  result.before = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(result.before, { lnum = d.lnum, col = d.col, message = d.message, source = d.source, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) })
  end
  if not got then return end
  -- delete the spin_lock_irq line: no lock held at disable_irq any more
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for i, l in ipairs(lines) do
    if l:find('spin_lock_irq(&port_user_lock);', 1, true) then
      vim.api.nvim_buf_set_lines(0, i - 1, i, false, {})
      break
    end
  end
  local t1 = vim.loop.hrtime()
  result.cleared = vim.wait(30000, function() return #vim.diagnostic.get(0) == 0 end, 20)
  result.edit_ms = (vim.loop.hrtime() - t1) / 1e6
end)
if not ok then result.error = tostring(err) end
finish()
`;
}

test('Neovim (headless, built-in LSP client) receives lockscope diagnostics and their update', { skip, timeout: 90_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-nvim-'));
  try {
    const ws = path.join(tmp, 'ws');
    fs.cpSync(path.join(ROOT, 'examples/xen-evtchn'), ws, { recursive: true });
    const out = path.join(tmp, 'out.json');
    const init = path.join(tmp, 'init.lua');
    fs.writeFileSync(init, script(ws, out));
    const r = spawnSync(nvim, ['--headless', '-n', '-i', 'NONE', '--noplugin', '-u', init], {
      encoding: 'utf8',
      timeout: 80_000,
      env: { ...process.env, XDG_CONFIG_HOME: tmp, XDG_DATA_HOME: tmp, XDG_STATE_HOME: tmp, XDG_CACHE_HOME: tmp },
    });
    assert.ok(fs.existsSync(out), `nvim wrote no result (status ${r.status}): ${r.stderr}`);
    const res = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      error?: string;
      before: Array<{ lnum: number; col: number; message: string; source: string; code?: string }>;
      cleared: boolean;
      first_ms: number;
      edit_ms: number;
    };
    assert.equal(res.error, undefined);
    assert.equal(res.before.length, 1, JSON.stringify(res.before));
    const d = res.before[0];
    assert.equal(d.source, 'lockscope');
    assert.equal(d.lnum, 78, 'line 79 (0-based 78): disable_irq');
    assert.equal(d.col, 1);
    assert.match(d.message, /disable_irq/);
    // Neovim keeps relatedInformation out of sight: relatedInMessage puts the path in the message
    assert.match(d.message, /\n {2}#0 .*evtchn\.c:73/);
    assert.equal(res.cleared, true, 'diagnostic cleared after deleting the lock');
    fs.mkdirSync(path.join(ROOT, 'test-results/e2e'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'test-results/e2e/nvim.json'), JSON.stringify(res, null, 2));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
