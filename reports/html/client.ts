// The report's only script: draws the timeline (canvas for the ops, an SVG overlay for lanes,
// fault bands and highlighted violating ops) and handles zoom, pan and tooltips. It reads its
// data from a JSON <script> element and writes only through textContent/setAttribute, so no
// value from a history is ever parsed as markup. Plain ES5-ish JS, no template literals.
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var root = document.getElementById('timeline');
  var status = document.getElementById('timeline-status');
  try { main(); } catch (err) {
    document.body.setAttribute('data-timeline', 'error');
    if (status) status.textContent = 'timeline failed: ' + (err && err.message ? err.message : String(err));
  }
  function main() {
    var D = JSON.parse(document.getElementById('timeline-data').textContent);
    var canvas = root.querySelector('canvas');
    var svg = root.querySelector('svg');
    var ctx = canvas.getContext('2d');
    var NS = 'http://www.w3.org/2000/svg';
    var LANE_H = D.lanes.length > 40 ? 10 : 18;
    var GUTTER = 170, AXIS = 24, RIGHT = 10;
    var COLORS = ['#2e9e44', '#d62728', '#e6a100'];
    var span = D.span > 0 ? D.span : 1;
    var view = { a: 0, b: span };
    var focus = -1;
    var W = 0, H = 0;

    function laneIndex(c) {
      var lanes = D.lanes.map(function () { return []; });
      for (var i = 0; i < c.s.length; i++) lanes[c.lane[i]].push(i);
      lanes.forEach(function (l) { l.sort(function (p, q) { return c.s[p] - c.s[q]; }); });
      return lanes;
    }
    var detailIdx = D.detail ? laneIndex(D.detail) : null;
    var ctxIdx = D.contexts.map(function (c) { return laneIndex(c.ops); });
    var opViolations = {};
    D.violations.forEach(function (v, k) { v.ops.forEach(function (id) { (opViolations[id] = opViolations[id] || []).push(k); }); });

    function px(t) { return GUTTER + (t - view.a) / (view.b - view.a) * (W - GUTTER - RIGHT); }
    function tAt(x) { return view.a + (x - GUTTER) / (W - GUTTER - RIGHT) * (view.b - view.a); }
    function laneY(l) { return AXIS + l * LANE_H; }

    /** the op columns to draw at this zoom: all ops, a violation's neighbourhood, or none (aggregates) */
    function source() {
      if (D.detail) return { cols: D.detail, idx: detailIdx };
      for (var k = 0; k < D.contexts.length; k++) {
        var c = D.contexts[k];
        if (view.a >= c.s && view.b <= c.e) return { cols: c.ops, idx: ctxIdx[k] };
      }
      return null;
    }

    function drawCols(c) {
      var n = c.s.length;
      for (var i = 0; i < n; i++) {
        if (c.e[i] < view.a || c.s[i] > view.b) continue;
        // whole pixels: crisp bars, and a 1-px op keeps its exact colour
        var x0 = Math.round(Math.max(GUTTER, px(c.s[i])));
        var x1 = Math.round(Math.min(W - RIGHT, px(c.e[i])));
        ctx.fillStyle = COLORS[c.st[i]];
        ctx.fillRect(x0, laneY(c.lane[i]) + 3, Math.max(1, x1 - x0), LANE_H - 6);
      }
    }

    function drawAgg() {
      var a = D.agg, B = a.buckets, bw = span / B;
      var first = Math.max(0, Math.floor(view.a / bw)), last = Math.min(B - 1, Math.ceil(view.b / bw));
      for (var l = 0; l < D.lanes.length; l++) {
        var y = laneY(l) + 2, h = LANE_H - 4;
        for (var b = first; b <= last; b++) {
          var ok = a.ok[l][b], fail = a.fail[l][b], info = a.info[l][b], tot = ok + fail + info;
          if (!tot) continue;
          var x0 = Math.round(Math.max(GUTTER, px(b * bw))), x1 = Math.round(Math.min(W - RIGHT, px((b + 1) * bw)));
          var w = Math.max(1, x1 - x0);
          // failures and unknowns get at least 2px so a single one stays visible among thousands
          var hf = fail ? Math.max(2, Math.round(h * fail / tot)) : 0, hi = info ? Math.max(2, Math.round(h * info / tot)) : 0;
          var ho = Math.max(0, h - hf - hi);
          ctx.fillStyle = COLORS[0]; ctx.fillRect(x0, y, w, ho);
          ctx.fillStyle = COLORS[2]; ctx.fillRect(x0, y + ho, w, hi);
          ctx.fillStyle = COLORS[1]; ctx.fillRect(x0, y + ho + hi, w, hf);
        }
      }
    }

    function fmtT(t, step) {
      if (D.unit === 'rank') return String(Math.round(t));
      var s = t / 1e6, st = step / 1e6;
      if (st >= 1) return s.toFixed(0) + ' s';
      if (st >= 0.001) return s.toFixed(Math.min(3, Math.ceil(-Math.log10(st)))) + ' s';
      return (t / 1e3).toFixed(Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / 1e3))))) + ' ms';
    }

    function niceStep(r, n) {
      var raw = r / n, p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
      var ms = [1, 2, 5, 10];
      for (var i = 0; i < ms.length; i++) if (ms[i] * p >= raw) return ms[i] * p;
      return 10 * p;
    }

    function el(name, attrs, text) {
      var e = document.createElementNS(NS, name);
      for (var k in attrs) e.setAttribute(k, String(attrs[k]));
      if (text !== undefined) e.textContent = text;
      return e;
    }

    function overlay(src) {
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      svg.setAttribute('width', W); svg.setAttribute('height', H);
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      var bottom = laneY(D.lanes.length);
      D.faults.forEach(function (f) {
        if (f.e < view.a || f.s > view.b) return;
        var x0 = Math.max(GUTTER, px(f.s)), x1 = Math.min(W - RIGHT, px(f.e));
        var g = el('g', { 'class': 'fault' + (f.status ? ' fault-' + f.status : ''), 'data-fault': f.id, 'data-status': f.status || '' });
        var band = el('rect', { 'class': 'fault-band', x: x0, y: AXIS, width: Math.max(2, x1 - x0), height: bottom - AXIS });
        band.appendChild(el('title', {}, f.kind + ' ' + f.id + ' on ' + f.targets.join(', ') + (f.open ? ' (never healed)' : '') + (f.status ? '\n' + f.status + ': ' + f.evidence : '')));
        g.appendChild(band);
        f.lanes.forEach(function (l) { g.appendChild(el('rect', { 'class': 'fault-lane', x: x0, y: laneY(l), width: Math.max(2, x1 - x0), height: LANE_H })); });
        // the evidence on the band itself: a mark for confirmed, the word for anything else
        var mark = f.status === 'confirmed' ? ' \u2713' : f.status ? ' (' + f.status + ')' : '';
        g.appendChild(el('text', { 'class': 'fault-label', x: x0 + 3, y: AXIS - 12 }, f.kind + mark));
        svg.appendChild(g);
      });
      D.lanes.forEach(function (l, i) {
        var full = l.label + (l.node ? ' @ ' + l.node : '');
        var t = el('text', { 'class': 'lane-label', x: 6, y: laneY(i) + LANE_H - 5, 'data-lane': i, 'data-procs': l.procs.join(' ') }, full.length > 24 ? full.slice(0, 23) + '…' : full);
        // a shared lane names every process it holds (one after another, never at once)
        var held = l.procs.length > 1 ? '\n' + l.procs.length + ' processes, one after another: ' + l.procs.slice(0, 200).map(function (p) { return 'p' + p; }).join(', ') + (l.procs.length > 200 ? ', …' : '') : '';
        t.appendChild(el('title', {}, full + (l.workload ? ' · ' + l.workload : '') + held));
        svg.appendChild(t);
      });
      var h = D.hl;
      for (var i = 0; i < h.id.length; i++) {
        if (h.e[i] < view.a || h.s[i] > view.b) continue;
        var x0 = Math.max(GUTTER, px(h.s[i])), x1 = Math.min(W - RIGHT, px(h.e[i]));
        var vs = opViolations[h.id[i]] || [];
        var cls = 'violating-op' + (focus >= 0 && vs.indexOf(focus) >= 0 ? ' focus' : '');
        var w = Math.max(6, x1 - x0);
        var r = el('rect', { 'class': cls, x: x0 - (w > x1 - x0 ? (w - (x1 - x0)) / 2 : 0), y: laneY(h.lane[i]) + 1, width: w, height: LANE_H - 2, 'data-op': h.id[i], 'data-violations': vs.join(' ') });
        r.appendChild(el('title', {}, h.txt[i] + '  (violation ' + vs.map(function (k) { return '#' + (k + 1); }).join(', ') + ')'));
        svg.appendChild(r);
      }
      var mode = src ? (D.detail ? 'every op' : 'every op near this violation') : 'aggregated: ' + D.ops.toLocaleString() + ' ops in ' + D.agg.buckets + ' buckets per lane (zoom into a violation to see single ops)';
      status.textContent = D.lanes.length + ' lanes, ' + mode + '. Wheel: zoom, drag: pan, double-click: reset.';
    }

    function draw() {
      W = Math.max(400, root.clientWidth);
      H = AXIS + D.lanes.length * LANE_H + 4;
      var dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      for (var l = 0; l < D.lanes.length; l++) {
        ctx.fillStyle = l % 2 ? '#f6f7f9' : '#ffffff';
        ctx.fillRect(GUTTER, laneY(l), W - GUTTER - RIGHT, LANE_H);
      }
      var src = source();
      if (src) drawCols(src.cols); else if (D.agg) drawAgg();
      var step = niceStep(view.b - view.a, Math.max(2, Math.floor((W - GUTTER) / 110)));
      ctx.fillStyle = '#444'; ctx.font = '11px sans-serif'; ctx.textAlign = 'center';
      for (var t = Math.ceil(view.a / step) * step; t <= view.b; t += step) {
        var x = px(t);
        ctx.fillRect(x, AXIS - 4, 1, 4);
        ctx.fillText(fmtT(t, step), x, AXIS - 6);
      }
      overlay(src);
      document.body.setAttribute('data-timeline', 'drawn');
    }

    function zoomTo(a, b) {
      var min = D.unit === 'rank' ? 2 : 1;
      if (b - a < min) { var m = (a + b) / 2; a = m - min / 2; b = m + min / 2; }
      view.a = Math.max(0, a); view.b = Math.min(span, b);
      if (view.b <= view.a) { view.a = 0; view.b = span; }
      draw();
    }

    function showViolation(k) {
      focus = k;
      var ids = D.violations[k].ops, h = D.hl, a = Infinity, b = -Infinity;
      for (var i = 0; i < h.id.length; i++) if (ids.indexOf(h.id[i]) >= 0) { a = Math.min(a, h.s[i]); b = Math.max(b, h.e[i]); }
      if (a === Infinity) { draw(); return; }
      var pad = Math.max((b - a) * 0.3, D.unit === 'rank' ? 3 : 200);
      var c = D.contexts[k];
      if (c && c.e > c.s) { a = Math.max(c.s, a - pad); b = Math.min(c.e, b + pad); zoomTo(a, b); }
      else zoomTo(a - pad, b + pad);
      root.scrollIntoView({ block: 'center' });
    }

    Array.prototype.forEach.call(document.querySelectorAll('button.show[data-violation]'), function (btn) {
      btn.addEventListener('click', function () { showViolation(Number(btn.getAttribute('data-violation'))); });
    });
    document.getElementById('timeline-reset').addEventListener('click', function () { focus = -1; zoomTo(0, span); });

    var drag = null;
    root.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var r = root.getBoundingClientRect(), t = tAt(ev.clientX - r.left), f = ev.deltaY > 0 ? 1.25 : 0.8;
      zoomTo(t - (t - view.a) * f, t + (view.b - t) * f);
    }, { passive: false });
    root.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, a: view.a, b: view.b }; });
    window.addEventListener('mouseup', function () { drag = null; });
    root.addEventListener('dblclick', function () { focus = -1; zoomTo(0, span); });
    root.addEventListener('mousemove', function (ev) {
      var r = root.getBoundingClientRect();
      if (drag) {
        var dt = (ev.clientX - drag.x) / (W - GUTTER - RIGHT) * (drag.b - drag.a);
        var a = drag.a - dt, b = drag.b - dt;
        if (a < 0) { b -= a; a = 0; }
        if (b > span) { a -= b - span; b = span; }
        view.a = Math.max(0, a); view.b = b; draw();
        return;
      }
      tooltip(ev.clientX - r.left, ev.clientY - r.top, ev);
    });
    root.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
    var tip = document.getElementById('timeline-tip');
    function tooltip(x, y, ev) {
      var lane = Math.floor((y - AXIS) / LANE_H);
      if (x < GUTTER || lane < 0 || lane >= D.lanes.length) { tip.style.display = 'none'; return; }
      var t = tAt(x), tol = (view.b - view.a) / (W - GUTTER) * 3, text = '';
      var src = source();
      if (src) {
        var c = src.cols, l = src.idx[lane];
        for (var i = 0; i < l.length; i++) {
          var j = l[i];
          if (c.s[j] - tol <= t && t <= c.e[j] + tol) { text = c.txt[j] + '  [' + fmtT(c.s[j], 1) + ', ' + ((c.e[j] - c.s[j]) / (D.unit === 'rank' ? 1 : 1000)).toFixed(3) + (D.unit === 'rank' ? ' ranks]' : ' ms]'); break; }
          if (c.s[j] > t + tol) break;
        }
      } else if (D.agg) {
        var b = Math.min(D.agg.buckets - 1, Math.max(0, Math.floor(t / (span / D.agg.buckets))));
        text = D.lanes[lane].label + ': ' + D.agg.ok[lane][b] + ' ok, ' + D.agg.fail[lane][b] + ' fail, ' + D.agg.info[lane][b] + ' info around ' + fmtT(t, span / 1000);
      }
      if (!text) { tip.style.display = 'none'; return; }
      tip.textContent = text;
      tip.style.display = 'block';
      tip.style.left = Math.min(x + 12, W - 300) + 'px';
      tip.style.top = (y + 14) + 'px';
    }
    window.addEventListener('resize', draw);
    draw();
  }
})();`;
