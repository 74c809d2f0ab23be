import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScenario, renderScenarioMarkdown } from '../src/report/scenario';
import { simulate } from '../src/simulate/index';
import type { SimProgram, SimResult, WitnessStep } from '../src/simulate/types';

const file = '/src/linux/drivers/xen/evtchn.c';
const at = (line: number) => ({ file, line, column: 2 });

/** The evtchn seed as the check stage hands it over: unbind waits for the irq under the lock the handler takes. */
const evtchn: SimProgram = {
  threads: [
    {
      entry: 'evtchn_unbind',
      ctx: 'process',
      ops: [
        { op: 'acquire', lock: 'port_user_lock', mode: 'spin', irq: 'off', site: at(409), fn: 'evtchn_unbind' },
        { op: 'wait', what: 'irq', target: 'irq:evtchn_interrupt', api: 'disable_irq', site: at(412), fn: 'evtchn_unbind' },
        { op: 'release', lock: 'port_user_lock', irq: 'on', site: at(415), fn: 'evtchn_unbind' },
      ],
    },
  ],
  handlers: [
    {
      id: 'irq:evtchn_interrupt',
      fn: 'evtchn_interrupt',
      what: 'irq',
      ctx: 'hardirq',
      ops: [
        { op: 'acquire', lock: 'port_user_lock', mode: 'spin', site: at(118), fn: 'evtchn_interrupt' },
        { op: 'release', lock: 'port_user_lock', site: at(125), fn: 'evtchn_interrupt' },
      ],
    },
  ],
};

function witnessOf(result: SimResult): WitnessStep[] {
  assert.equal(result.kind, 'deadlock');
  return (result as Extract<SimResult, { kind: 'deadlock' }>).witness;
}

test('evtchn scenario: CPU columns, the interruption row, the DEADLOCK line', () => {
  const text = renderScenario(witnessOf(simulate(evtchn)), { relativeTo: '/src/linux' });
  assert.deepEqual(text.split('\n'), [
    '     CPU0 evtchn_unbind (process)                                                      CPU1',
    '     ----                                                                              ----',
    '1    acquires port_user_lock (irqs off)  drivers/xen/evtchn.c:409',
    '2                                                                                      <irq evtchn_interrupt>',
    '3    waits for handler irq:evtchn_interrupt (disable_irq)  drivers/xen/evtchn.c:412',
    '4                                                                                      spins on port_user_lock  drivers/xen/evtchn.c:118',
    '*** DEADLOCK ***',
    'CPU0 waits for irq:evtchn_interrupt to finish on CPU1; CPU1 spins on port_user_lock held by CPU0',
  ]);
  for (const line of text.split('\n')) assert.equal(line, line.trimEnd(), 'no trailing spaces');
});

test('same-CPU inversion: one column, the handler row, the CPU waits on itself', () => {
  const program: SimProgram = {
    threads: [{ ...evtchn.threads[0], ops: evtchn.threads[0].ops.map((op) => ('irq' in op ? { ...op, irq: undefined } : op)).filter((op) => op.op !== 'wait') }],
    handlers: evtchn.handlers,
  };
  const text = renderScenario(witnessOf(simulate(program)), { relativeTo: '/src/linux/drivers/xen' });
  assert.deepEqual(text.split('\n'), [
    '     CPU0 evtchn_unbind (process)',
    '     ----',
    '1    acquires port_user_lock  evtchn.c:409',
    '2    <irq evtchn_interrupt>',
    '3    spins on port_user_lock  evtchn.c:118',
    '*** DEADLOCK ***',
    'CPU0 spins on port_user_lock held by CPU0 itself',
  ]);
});

test('a step in a callee names the function; irq ops read as what they do', () => {
  const site = { file: 'a.c', line: 7, column: 1 };
  const witness: WitnessStep[] = [
    { cpu: 0, ctx: 'process', action: 'disables interrupts', irq: 'save', fn: 'probe', entry: 'probe', site },
    { cpu: 0, ctx: 'process', action: 'acquires', lock: 'dev.lock', fn: 'helper', entry: 'probe', site },
    { cpu: 1, ctx: 'process', action: 'sleeps on', lock: 'M', fn: 'w', entry: 'w', site, blocked: true, waitsOn: [0] },
  ];
  assert.deepEqual(renderScenario(witness).split('\n').slice(2, 5), [
    '1    saves and disables interrupts  a.c:7',
    '2    acquires dev.lock in helper()  a.c:7',
    '3                                            sleeps on M  a.c:7',
  ]);
});

test('markdown scenario: one column per CPU, each step links to its source', () => {
  const link = (s: { file: string; line: number }) => `file://${s.file}#L${s.line}`;
  const md = renderScenarioMarkdown(witnessOf(simulate(evtchn)), link, { relativeTo: '/src/linux' });
  assert.deepEqual(md.split('\n'), [
    '| # | CPU0 evtchn_unbind (process) | CPU1 |',
    '| ---: | --- | --- |',
    `| 1 | acquires port_user_lock (irqs off) [drivers/xen/evtchn.c:409](file://${file}#L409) |  |`,
    '| 2 |  | <irq evtchn_interrupt> |',
    `| 3 | waits for handler irq:evtchn_interrupt (disable_irq) [drivers/xen/evtchn.c:412](file://${file}#L412) |  |`,
    `| 4 |  | spins on port_user_lock [drivers/xen/evtchn.c:118](file://${file}#L118) |`,
    '',
    '**DEADLOCK**: CPU0 waits for irq:evtchn_interrupt to finish on CPU1; CPU1 spins on port_user_lock held by CPU0',
  ]);
});
