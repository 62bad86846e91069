// Throughput and latency over time as inline SVG, drawn here so the report needs no script for
// them; fault windows are shaded bands.
import { esc } from '../escape';
import type { Series } from '../metrics';

export interface Band {
  id: string;
  kind: string;
  /** fractions of the run */
  from: number;
  to: number;
}

const W = 960;
const H = 220;
const M = { l: 64, r: 150, t: 14, b: 28 };
const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#e377c2', '#7f7f7f'];

function fmt(v: number): string {
  if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (v >= 1e4) return (v / 1e3).toFixed(0) + 'k';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
  return v >= 10 ? v.toFixed(0) : v.toPrecision(2);
}

function frame(title: string, yLabel: string, ticks: { y: number; label: string }[], bands: Band[], spanS: number, unit: string): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const out: string[] = [];
  for (const b of bands) {
    const x = M.l + b.from * pw;
    out.push(`<rect class="chart-band" x="${x.toFixed(1)}" y="${M.t}" width="${Math.max(1, (b.to - b.from) * pw).toFixed(1)}" height="${ph}"><title>${esc(b.kind)} ${esc(b.id)}</title></rect>`);
  }
  for (const t of ticks) out.push(`<line class="grid" x1="${M.l}" x2="${M.l + pw}" y1="${t.y.toFixed(1)}" y2="${t.y.toFixed(1)}"/><text class="tick" x="${M.l - 6}" y="${(t.y + 4).toFixed(1)}" text-anchor="end">${esc(t.label)}</text>`);
  const xt = niceStep(spanS, 8);
  for (let s = 0; s <= spanS + 1e-9; s += xt) {
    const x = M.l + (s / spanS) * pw;
    out.push(`<text class="tick" x="${x.toFixed(1)}" y="${H - 8}" text-anchor="middle">${esc(fmt(s))}${unit}</text>`);
  }
  out.push(`<text class="axis-title" x="14" y="${M.t + ph / 2}" transform="rotate(-90 14 ${M.t + ph / 2})" text-anchor="middle">${esc(yLabel)}</text>`);
  out.push(`<rect class="plot" x="${M.l}" y="${M.t}" width="${pw}" height="${ph}"/>`);
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${out.join('')}`;
}

export function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function line(vals: number[], x: (i: number) => number, y: (v: number) => number, cls: string, color: string): string {
  let d = '';
  let pen = false;
  vals.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
  });
  return d ? `<path class="${cls}" d="${d}" stroke="${color}"/>` : '';
}

function legend(items: { label: string; color: string; dash?: boolean }[]): string {
  return items
    .map((it, k) => `<g transform="translate(${W - M.r + 12} ${M.t + 10 + k * 18})"><line x1="0" x2="18" y1="0" y2="0" stroke="${it.color}" stroke-width="2"${it.dash ? ' stroke-dasharray="4 3"' : ''}/><text class="legend" x="24" y="4">${esc(it.label)}</text></g>`)
    .join('');
}

export function throughputChart(s: Series, bands: Band[], spanS: number, unit: string): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const max = Math.max(1, ...s.rate.flat(), ...s.errors);
  const yMax = niceStep(max, 4) * Math.ceil(max / niceStep(max, 4));
  const y = (v: number): number => M.t + ph - (v / yMax) * ph;
  const x = (i: number): number => M.l + ((i + 0.5) / s.buckets) * pw;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ y: y(f * yMax), label: fmt(f * yMax) }));
  const lines = s.rate.map((r, w) => line(r, x, y, 'series', PALETTE[w % PALETTE.length]!)).join('');
  const err = line(s.errors, x, y, 'series errors', '#d62728');
  const items = [...s.workloads.map((w, k) => ({ label: w, color: PALETTE[k % PALETTE.length]! })), { label: 'fail + info', color: '#d62728', dash: true }];
  return frame('throughput', unit === 's' ? 'ops/s' : 'ops/bucket', ticks, bands, spanS, unit) + lines + err + legend(items) + '</svg>';
}

export function latencyChart(s: Series, bands: Band[], spanS: number, unit: string): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const all = [...s.p50, ...s.p99, ...s.max].filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.max(0.1, all.length ? Math.min(...all) : 1);
  const hi = Math.max(lo * 10, all.length ? Math.max(...all) : 10);
  const [l0, l1] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  const y = (v: number): number => M.t + ph - ((Math.log10(Math.max(v, 10 ** l0)) - l0) / (l1 - l0)) * ph;
  const x = (i: number): number => M.l + ((i + 0.5) / s.buckets) * pw;
  const ticks: { y: number; label: string }[] = [];
  for (let e = l0; e <= l1; e++) ticks.push({ y: y(10 ** e), label: e >= 3 ? `${fmt(10 ** (e - 3))} ms` : `${fmt(10 ** e)} µs` });
  const items = [{ label: 'p50', color: '#1f77b4' }, { label: 'p99', color: '#ff7f0e' }, { label: 'max', color: '#7f7f7f', dash: true }];
  return frame('latency', 'latency (ok ops, log)', ticks, bands, spanS, unit) + line(s.p50, x, y, 'series', '#1f77b4') + line(s.p99, x, y, 'series', '#ff7f0e') + line(s.max, x, y, 'series max', '#7f7f7f') + legend(items) + '</svg>';
}
