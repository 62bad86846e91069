// Detectors on recorded consoles (a sysrq crash, the txstall -> rxe_skb_tx_dtor panic from the
// reference lab) and on lines that look alarming but are not the kernel's own reports.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { excerptOf, isKernelTrouble, kernelTime, scanConsole, type ConsoleLine } from './detectors';

const fixture = (name: string): ConsoleLine[] =>
  fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8').replace(/\n$/, '').split('\n').map((text, i) => ({ text, time: i * 1000 }));
const lines = (...texts: string[]): ConsoleLine[] => texts.map((text) => ({ text }));

describe('recorded consoles', () => {
  test('sysrq crash: one kernel-panic, its excerpt holds the trigger and the call trace', () => {
    const ls = fixture('sysrq-crash-panic.log');
    const ev = scanConsole(ls);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'kernel-panic', message: 'Kernel panic - not syncing: sysrq triggered crash', count: 1 });
    expect(ev[0]!.kernelTime![0]).toBeCloseTo(91.449, 3);
    const ex = excerptOf(ev[0]!, ls);
    expect(ex).toContain('sysrq: Trigger a crash');
    expect(ex).toContain('sysrq_handle_crash');
    expect(ex).toContain('Kernel Offset: disabled');
  });

  test('txstall then panic in rxe_skb_tx_dtor: the repeated NETDEV WATCHDOG folds into one, the oops and its panic into one', () => {
    const ls = fixture('vm1-console-txstall-panic.log');
    const ev = scanConsole(ls);
    expect(ev.map((e) => e.kind)).toEqual(['fabric-frozen', 'kernel-panic']);
    const [stall, panic] = ev as [typeof ev[0], typeof ev[0]];
    expect(stall.count).toBe(58);
    expect(stall.message).toMatch(/^data0: NETDEV WATCHDOG: .*transmit queue 0 timed out .*seen 58 times, kernel time 591\.8 s to 894\.9 s/);
    // the most severe kind names it; the headlines of the oops come along, with the faulting function
    expect(panic.message).toContain('Kernel panic - not syncing: Fatal exception in interrupt');
    expect(panic.message).toContain('Oops: 0000 [#1]');
    expect(panic.message).toContain('BUG: unable to handle page fault');
    expect(panic.message).toContain('RIP: rxe_skb_tx_dtor+0x16/0x50 [rdma_rxe]');
    expect(panic.message).toContain('(in rdma_rxe)');
    const ex = excerptOf(panic, ls);
    expect(ex).toContain('linkwatch_event');
    expect(ex.split('\n').length).toBeLessThanOrEqual(100);
    expect(isKernelTrouble(ls[panic.first]!.text)).toBe(true);
  });
});

describe('each kind from its headline', () => {
  const cases: [string, string][] = [
    ['kernel-oops', '[   12.000001] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI'],
    ['kernel-bug', '[   12.000001] kernel BUG at drivers/infiniband/sw/rxe/rxe_qp.c:123!'],
    ['kernel-bug', '[   12.000001] BUG: kernel NULL pointer dereference, address: 0000000000000008'],
    ['soft-lockup', '[   60.000001] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:31]'],
    ['rcu-stall', '[   70.000001] rcu: INFO: rcu_preempt self-detected stall on CPU'],
    ['rcu-stall', '[   70.000001] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:'],
    ['hung-task', '[  245.000001] INFO: task kworker/u2:1:24 blocked for more than 120 seconds.'],
    ['kernel-warning', '[   33.000001] WARNING: CPU: 0 PID: 24 at drivers/infiniband/sw/rxe/rxe_comp.c:671 rxe_completer+0x1a/0x30 [rdma_rxe]'],
    ['rxe', '[   40.000001] rdma_rxe: qp#17 moved to error state'],
  ];
  test.each(cases)('%s: %s', (kind, text) => {
    const ev = scanConsole(lines('[   10.0] something before', text, '[   99.0] much later'));
    expect(ev).toHaveLength(1);
    expect(ev[0]!.kind).toBe(kind);
    expect(ev[0]!.first).toBe(1);
  });

  test('a WARNING after its cut-here header is one report, ended by its end trace', () => {
    const ev = scanConsole(
      lines(
        '[   33.0] ------------[ cut here ]------------',
        '[   33.0] WARNING: CPU: 0 PID: 24 at net/core/dev.c:1 f+0x1/0x2',
        '[   33.0] Modules linked in: rdma_rxe',
        '[   33.0] ---[ end trace 0000000000000000 ]---',
        '[   33.1] rdma_rxe: qp#3 moved to error state',
      ),
    );
    expect(ev.map((e) => [e.kind, e.first, e.last])).toEqual([
      ['kernel-warning', 0, 3],
      ['rxe', 4, 4],
    ]);
    // a WARNING is a finding, but not trouble that explains a silent node
    expect(isKernelTrouble('[   33.0] WARNING: CPU: 0 PID: 24 at net/core/dev.c:1 f+0x1/0x2')).toBe(false);
  });

  test('the same report on a node that rebooted is counted again, not merged across the boot', () => {
    const ev = scanConsole(lines('[   50.0] BUG: kernel NULL pointer dereference, address: 08', '[    0.0] Linux version 6.1.0', '[   51.0] BUG: kernel NULL pointer dereference, address: 10'));
    expect(ev).toHaveLength(1);
    expect(ev[0]!.count).toBe(2);
  });
});

describe('lines that must not become findings', () => {
  const quiet = [
    'RDMA-CHAOS-SSHD name=node1',
    'RDMA-CHAOS-READY name=node1 uptime=8.66 rxe0=ACTIVE rxe1=ACTIVE',
    '[    0.000000] Command line: console=ttyS0 panic=-1 quiet rdmachaos.name=node1',
    '[    0.000000] Kernel command line: console=ttyS0 panic=-1 quiet',
    '[    0.120000] rcu: Hierarchical RCU implementation.',
    '[    0.130000] rcu: RCU calculated value of scheduler-enlistment delay is 25 jiffies.',
    '[    1.000000] NMI watchdog: Perf NMI watchdog permanently disabled',
    '[    2.000000] rdma_rxe: loaded',
    '[    2.100000] rdma_rxe: unloaded',
    '[   10.105344] data0 speed is unknown, defaulting to 1000',
    // a user-space fault logged by the kernel is the program's problem, not the kernel's
    '[   20.000000] traps: node[201] general protection fault ip:7f0000001000 sp:7ffc00000000 error:0 in libc.so.6[7f0000000000+155000]',
    '[   20.100000] node[202]: segfault at 8 ip 00007f0000001000 sp 00007ffc00000000 error 4 in libc.so.6',
    // a program on the console that merely prints the words
    'echo "Oops: nothing happened"',
    'WARNING: no host key for 127.0.0.1',
    '[   30.000000] hung_task_timeout_secs is 120',
    '[   30.000000] soft lockup detector enabled',
  ];
  test.each(quiet)('%s', (text) => {
    expect(scanConsole(lines(text))).toEqual([]);
    expect(isKernelTrouble(text)).toBe(false);
  });
});

test('kernelTime reads the printk stamp, and nothing from other lines', () => {
  expect(kernelTime('[  898.996607] Oops: 0000 [#1] SMP')).toBeCloseTo(898.996607, 6);
  expect(kernelTime('RDMA-CHAOS-READY name=node1')).toBeUndefined();
});

test('excerpt keeps a little context before and after, and never more than its cap', () => {
  const ls = lines(...Array.from({ length: 400 }, (_, i) => (i === 10 ? '[ 1.0] Kernel panic - not syncing: x' : `[ 1.0] trace line ${i}`)));
  const ev = scanConsole(ls);
  expect(ev).toHaveLength(1);
  const ex = excerptOf(ev[0]!, ls).split('\n');
  expect(ex[0]).toBe('[ 1.0] trace line 5');
  expect(ex.length).toBeLessThanOrEqual(100);
});
