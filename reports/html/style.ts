// The report's stylesheet, inlined.
export const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#fff}
main{max-width:1280px;margin:0 auto;padding:0 20px 60px}header{background:#1d2330;color:#fff;padding:14px 20px}header h1{margin:0;font-size:20px;word-break:break-all}
header .sub{opacity:.8;font-size:13px}header .incomplete{margin-top:6px;display:inline-block;background:#e67700;color:#fff;border-radius:3px;padding:1px 8px;font-size:13px}h2{margin:34px 0 10px;border-bottom:2px solid #e3e6eb;padding-bottom:4px}h3{margin:18px 0 6px}h4{margin:14px 0 4px}
.banner{background:#b00020;color:#fff;padding:14px 20px;font-size:16px}.banner strong{font-size:20px;letter-spacing:.05em}.banner ul{margin:6px 0 0}
.finding{border-left:6px solid #b00020;background:#fff4f4;padding:8px 14px;margin:10px 0}.finding .kind{text-transform:uppercase;color:#b00020}
.finding dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:6px 0}.finding dt{font-weight:600}
.infra{border-left:6px solid #e67700;background:#fff8e6;padding:8px 14px;margin:10px 0}
pre{background:#f5f6f8;border:1px solid #e3e6eb;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all}
.verdict{display:inline-block;font-size:28px;font-weight:700;padding:6px 22px;border-radius:6px;color:#fff}
.verdict-valid{background:#2e9e44}.verdict-invalid{background:#c62828}.verdict-unknown{background:#8a8f98}
.v-valid{color:#2e9e44;font-weight:600}.v-invalid{color:#c62828;font-weight:600}.v-unknown{color:#8a8f98;font-weight:600}
.expected.matched{color:#2e7d32}.expected.unmatched{color:#c62828}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px}dl.meta dt{font-weight:600;color:#555}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border:1px solid #e3e6eb;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f5f6f8}td{overflow-wrap:anywhere;max-width:380px}
.counters td.dev{white-space:nowrap;max-width:220px;overflow:hidden;text-overflow:ellipsis}.scroll{overflow-x:auto}
.counters td.nz{background:#eef6ff;font-weight:600}.counters td.err{background:#fde8e8;color:#b00020}.counters td.z{color:#aaa}.counters th.window{max-width:260px}
.sentences li{margin:4px 0}.sentences a{color:inherit;text-decoration:none}.sentences a:hover{text-decoration:underline}
.pattern{display:inline-block;background:#6a1b9a;color:#fff;border-radius:3px;padding:0 6px;font-size:12px}
.violation{border:1px solid #e3e6eb;border-left:6px solid #c62828;padding:6px 14px;margin:14px 0}
.conflict{border:1px solid #e3e6eb;border-left:6px solid #c62828;padding:6px 14px;margin:14px 0}.conflict .sides{display:flex;gap:16px;flex-wrap:wrap}.conflict .side{flex:1 1 420px;min-width:0;overflow-x:auto}table.decided tr.twice td{background:#fdecea;color:#8e1b12}.twice-line{color:#8e1b12;font-weight:600}
section.cache-tree .ct-legend{color:#444;font-size:13px}.ct-red,.ct-violations .ct-rule{color:#d62728;font-weight:600}
.explained{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px;margin:10px 0}.explained>div{background:#f7f5fb;border:1px solid #e3dcef;padding:4px 10px}
.explained h4{margin:4px 0}.explained ul{margin:4px 0;padding-left:18px}.ex-name{font-weight:600;color:#6a1b9a}.ex-unavoidable{grid-column:1/-1;margin:0;font-style:italic}
@media (max-width:700px){.explained{grid-template-columns:1fr}}
button.show{font-size:12px;margin-left:10px;cursor:pointer}
tr.st-fail td{background:#fff0f0}tr.st-info td{background:#fff8e1}
#timeline{position:relative;user-select:none;cursor:grab;border:1px solid #e3e6eb;overflow:hidden}
#timeline canvas{display:block}#timeline svg{position:absolute;left:0;top:0;pointer-events:none}
#timeline svg rect.violating-op{pointer-events:all}
.fault-band{fill:rgba(120,70,200,.10);stroke:rgba(120,70,200,.55);stroke-dasharray:4 3}.fault-lane{fill:rgba(120,70,200,.16)}
.fault-mismatch .fault-band{stroke:#c62828}.fault-mismatch .fault-label{fill:#c62828}.fault-inconclusive .fault-label{fill:#8a8f98}
.c-confirmed{color:#2e9e44;font-weight:600}.c-mismatch{color:#c62828;font-weight:600}.c-inconclusive,.c-none{color:#8a8f98;font-weight:600}
.fault-label{font:11px sans-serif;fill:#5b2aa8}.lane-label{font:11px monospace;fill:#333}
.violating-op{fill:none;stroke:#ff00c8;stroke-width:2.5}.violating-op.focus{stroke:#000;stroke-width:3.5}
#timeline-tip{position:absolute;display:none;background:#1d2330;color:#fff;font:12px monospace;padding:4px 8px;border-radius:3px;max-width:520px;white-space:pre-wrap;pointer-events:none;z-index:2}
.legend-row span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px}
.chart{width:100%;max-width:960px;height:auto;display:block}.chart .plot{fill:none;stroke:#ccc}.chart .grid{stroke:#eee}
.chart .tick,.chart .legend,.chart .axis-title{font:11px sans-serif;fill:#444}.chart .series{fill:none;stroke-width:1.6}
.chart .errors{stroke-dasharray:4 3}.chart .max{stroke-dasharray:2 3;stroke-width:1}.chart-band{fill:rgba(120,70,200,.12)}
.none{color:#666}code{background:#f5f6f8;padding:0 3px;word-break:break-all}
`;
