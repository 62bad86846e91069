// A consensus workload's decided log: every slot with the value(s) decided in it and by whom,
// and each slot decided twice as its two decisions side by side, each with the ops that
// carried its value (the accepted messages or phase-2 writes its violation names after the
// decide op), with the button that shows them on the timeline. Every value goes through esc.
import type { Operation, TimeBase } from '../../harness/core';
import { esc } from '../escape';
import { secs, type ViolationView } from './sections';

/** slots listed in the log table; a longer log is cut with a count */
const SLOTS_SHOWN = 300;

interface Decision {
  value: string;
  ops: Operation[];
}

const slotNo = (key: string): number => Number(/(\d+)$/.exec(key)?.[1] ?? NaN);
const show = (v: Operation['value']): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** a narrow op table for a half-width column: who, what, when, and over which QP, rail and epoch */
function opsTable(ids: readonly number[], ops: readonly Operation[], tb: TimeBase): string {
  const rows = ids.slice(0, 40).map((id) => {
    const o = ops[id];
    if (!o) return `<tr><td>${id}</td><td colspan="6">(not in the history)</td></tr>`;
    const r = o.rdma;
    const qp = r ? [r.rail !== undefined ? `rail ${r.rail}` : '', r.qpn !== undefined ? `QP ${r.qpn}` : '', r.epoch !== undefined ? `epoch ${r.epoch}` : '', r.repost ? 're-post' : ''].filter(Boolean).join(', ') : '';
    const at = o.callTime !== undefined ? secs(o.callTime, tb) : `rank ${o.call}`;
    return `<tr class="op st-${esc(o.status)}" data-op="${id}"><td>${id}</td><td>${esc(o.node ?? '')}</td><td>${esc(o.f)}</td><td>${esc(String(o.key ?? ''))}</td><td>${esc(o.status)}</td><td>${esc(at)}</td><td>${esc(qp)}</td></tr>`;
  });
  const more = ids.length > 40 ? `<tr><td colspan="7">… and ${ids.length - 40} more</td></tr>` : '';
  return `<table class="ops"><thead><tr><th>op</th><th>node</th><th>f</th><th>key</th><th>status</th><th>invoked</th><th>QP</th></tr></thead><tbody>${rows.join('')}${more}</tbody></table>`;
}

/** the ops a violation names after `decide` and before its next decide: what carried it */
function carriers(v: ViolationView, decide: number, ops: readonly Operation[]): number[] {
  const ids = v.v.ops;
  const at = ids.indexOf(decide);
  if (at < 0) return [];
  const out: number[] = [];
  for (let k = at + 1; k < ids.length && ops[ids[k]!]?.f !== 'decide'; k++) out.push(ids[k]!);
  return out;
}

function sideHtml(d: Decision, views: readonly ViolationView[], ops: readonly Operation[], tb: TimeBase): string {
  const by = [...new Set(d.ops.map((o) => o.node ?? `p${o.process}`))].join(', ');
  const first = d.ops[0]!;
  const named = views.filter((v) => d.ops.some((o) => v.v.ops.includes(o.id)));
  const carried = [...new Set(named.flatMap((v) => d.ops.flatMap((o) => carriers(v, o.id, ops))))];
  const buttons = named.map((v) => `<button type="button" class="show" data-violation="${v.n}">show #${v.n + 1} on timeline</button>`).join(' ');
  return `<div class="side"><h4>${esc(d.value)}</h4><p>decided by ${esc(by)}, first ${first.callTime !== undefined ? esc(secs(first.callTime, tb)) : `at rank ${first.call}`} ${buttons}</p>${opsTable(d.ops.map((o) => o.id), ops, tb)}${
    carried.length ? `<p>carried by:</p>${opsTable(carried, ops, tb)}` : '<p class="none">No op carrying it is named by a violation.</p>'
  }</div>`;
}

export function decidedLogHtml(ops: readonly Operation[], views: readonly ViolationView[], tb: TimeBase): string {
  const slots = new Map<string, Map<string, Decision>>();
  for (const op of ops) {
    if (op.f !== 'decide' || op.status !== 'ok') continue;
    const key = String(op.key);
    const values = slots.get(key) ?? slots.set(key, new Map()).get(key)!;
    const v = show(op.value);
    (values.get(v) ?? values.set(v, { value: v, ops: [] }).get(v)!).ops.push(op);
  }
  if (slots.size === 0) return '';
  const order = [...slots.keys()].sort((a, b) => slotNo(a) - slotNo(b) || a.localeCompare(b));
  const twice = order.filter((k) => slots.get(k)!.size > 1);
  const conflicts = twice
    .slice(0, 50)
    .map((k) => {
      const [a, b, ...more] = [...slots.get(k)!.values()];
      return `<div class="conflict" data-slot="${esc(k)}"><h3>${esc(k)}: decided ${2 + more.length} ways</h3><div class="sides">${sideHtml(a!, views, ops, tb)}${sideHtml(b!, views, ops, tb)}</div>${more.length ? `<p>and ${more.length} more value(s): ${more.map((d) => esc(d.value)).join(', ')}</p>` : ''}</div>`;
    })
    .join('');
  const rows = order
    .slice(0, SLOTS_SHOWN)
    .map((k) => {
      const ds = [...slots.get(k)!.values()];
      const cls = ds.length > 1 ? ' class="twice"' : '';
      return `<tr${cls}><td>${esc(k)}</td><td>${ds.map((d) => esc(d.value)).join(' <b>≠</b> ')}</td><td>${ds.map((d) => esc([...new Set(d.ops.map((o) => o.node ?? `p${o.process}`))].join(', '))).join(' | ')}</td></tr>`;
    })
    .join('');
  const cut = order.length > SLOTS_SHOWN ? `<p>… and ${order.length - SLOTS_SHOWN} more slots.</p>` : '';
  const head = twice.length
    ? `<p class="twice-line">${twice.length} of ${order.length} slots were decided with more than one value${twice.length > 50 ? ' (the first 50 below)' : ''}:</p>${conflicts}`
    : `<p>${order.length} slots, each decided with one value.</p>`;
  return `<section id="decided"><h2>Decided log</h2>${head}<div class="scroll"><table class="decided"><thead><tr><th>slot</th><th>value</th><th>decided by</th></tr></thead><tbody>${rows}</tbody></table></div>${cut}</section>`;
}
