/** The page's only stylesheet, inlined: the report is one file that opens anywhere, offline. */
export const STYLES = `
:root{--fg:#212529;--dim:#6c757d;--line:#dee2e6;--bg:#f8f9fa;--ok:#2f9e44;--fail:#e03131;--info:#f08c00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:#fff}
header{padding:18px 28px 14px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{margin:0 0 4px;font-size:20px}h1 .brand{color:#7048e8}
h2{font-size:16px;margin:22px 0 10px}h3{font-size:14px;margin:0}h4{font-size:13px;margin:12px 0 6px;font-weight:500}
h5{font-size:12px;margin:10px 0 4px;font-weight:600}h6{font-size:12px;margin:6px 0 2px}
main{padding:0 28px 40px;max-width:1400px}
a{color:#1c7ed6}
.dim{color:var(--dim);font-weight:400}.good{color:var(--ok)}.bad{color:var(--fail)}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin-top:10px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:130px}
.tile .value{font-size:20px;font-weight:600}.tile .label{color:var(--dim);font-size:12px}
.tile.failed .value{color:var(--fail)}.tile.passed .value{color:var(--ok)}
.toolbar{display:flex;gap:8px;align-items:center;margin:14px 0 0}
.toolbar button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid var(--line);border-radius:14px;background:#fff;cursor:pointer}
.toolbar button[aria-pressed=true]{background:#212529;color:#fff;border-color:#212529}
table{border-collapse:collapse;font-size:12.5px}
th,td{border:1px solid var(--line);padding:4px 9px;text-align:left;vertical-align:middle}
thead th{background:var(--bg);font-weight:600}
.matrix td.matrix-cell{text-align:center;min-width:92px;font-variant-numeric:tabular-nums}
.matrix td.pass{background:#ebfbee}.matrix td.fail{background:#fff5f5}.matrix td.unapplied{background:#fff9db;color:#8f5d00}
.matrix td.empty-cell{color:#ced4da}.pass-count{color:var(--ok);font-weight:600}.fail-count{color:var(--fail);font-weight:600}
.matrix th.kind{white-space:nowrap}.matrix td.target{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.file{border:1px solid var(--line);border-radius:8px;margin:12px 0;overflow:hidden}
.file>header{padding:8px 14px;background:var(--bg);border-bottom:1px solid var(--line);display:flex;gap:10px;align-items:baseline}
.file>header .path{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px;font-weight:600}
details.test{border-top:1px solid var(--line)}details.test:first-of-type{border-top:0}
details.test>summary{cursor:pointer;padding:7px 14px;display:flex;gap:8px;align-items:center;flex-wrap:wrap;list-style:none}
details.test>summary::-webkit-details-marker{display:none}
details.test>summary::before{content:"▸";color:var(--dim);width:10px}details.test[open]>summary::before{content:"▾"}
.icon{font-weight:700;width:14px;text-align:center}
.status-passed .icon{color:var(--ok)}.status-failed .icon{color:var(--fail)}.status-skipped .icon,.status-todo .icon{color:var(--dim)}
.status-failed>summary{background:#fff5f5}
.test-name{font-weight:500}.duration{margin-left:auto;color:var(--dim);font-size:12px;font-variant-numeric:tabular-nums}
.chip{font-size:11px;border:1px solid currentColor;border-radius:10px;padding:0 7px;line-height:17px;white-space:nowrap}
.chip.good{color:var(--ok)}.chip.bad{color:var(--fail)}
.test-body{padding:2px 18px 14px 36px}
.cluster{margin-top:6px}
.faults td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.recoveries{margin:6px 0;padding-left:18px;font-size:13px}
.chart{margin:8px 0;border:1px solid var(--line);border-radius:6px;padding:4px 4px 0}
.chart svg{display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--dim);margin:6px 0 4px}
.legend svg{vertical-align:-3px;margin-right:4px}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}svg text:not([fill]){fill:#343a40}
svg .tick{fill:#868e96;font-size:10px}svg .grid{stroke:#e9ecef;stroke-width:1}
svg .section-label{fill:#868e96;font-size:10.5px;text-transform:uppercase;letter-spacing:.04em}
svg .lane-label{font-weight:600;font-size:12px}svg .op-row-label{fill:#495057;font-size:10.5px}
svg .lane-bg{fill:#f8f9fa}svg .lane-bg.odd{fill:#f1f3f5}
svg .fault-label.inside{fill:#fff;font-weight:600}svg .fault-label{font-weight:600}
svg .op-label{fill:#fff;font-size:9.5px}svg .lin-label{font-size:10.5px}
svg .empty{fill:#adb5bd;font-style:italic}svg .band-label{font-size:10px;font-weight:600}
svg .plot-frame{fill:none;stroke:#dee2e6}svg .legend-text{fill:#495057}
svg .recovery-label{font-weight:600}
svg .node-event,svg .op,svg .latency-point,svg .lin-op{cursor:default}
svg .op:hover,svg .latency-point:hover{stroke:#212529;stroke-width:1}
.linearization{margin:6px 0}.lin-intro{margin:4px 0;font-size:13px}.culprit-text{color:var(--fail);font-weight:600}
.lin-message{color:var(--dim)}
.txn-cycle{margin:6px 0}.txn-cycle-body{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}.txn-view text{font-size:12px}.txn-rel{font-size:11px;font-weight:600}.txn-text{font-size:13px;max-width:640px}.txn-legend{list-style:none;padding:0;margin:0 0 6px}.txn-steps{margin:0;padding-left:20px}.txn-fault{font-weight:600}
.verdict{margin:4px 0;font-weight:600;font-size:13px}.verdict.ok{color:var(--ok)}.verdict.illegal{color:var(--fail)}.verdict.unknown{color:var(--info)}.verdict.none{color:var(--dim);font-weight:400}
pre{background:#f8f9fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow:auto;font:11.5px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;max-height:320px;margin:6px 0}
pre.failure{background:#fff5f5;border-color:#ffc9c9;color:#862e2e}
details.logs{margin:8px 0}.logs-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:0 10px}details.logs>summary{cursor:pointer;font-size:12.5px;color:var(--dim)}
.note{font-size:12px;color:var(--dim);margin:2px 0 8px}
body.only-failed details.test:not(.status-failed){display:none}
body.only-failed .file:not(.has-failed){display:none}
footer{padding:16px 28px;color:var(--dim);font-size:12px;border-top:1px solid var(--line)}
`;
