/** The stylesheet of every page dplab writes (run reports and the site), inlined so pages stay self-contained. */
export const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.cell{text-align:center;white-space:nowrap}td.cell a{color:inherit;text-decoration:none;display:block}
.s-pass{background:#c8ecc8}.s-fail{background:#f4b4b4}.s-error,.s-timeout{background:#f7d08a}.s-unsupported{background:#dcdcf4}
.s-skipped{background:#eee;color:#666}.s-none{background:#fff;color:#aaa}
.s-expected{background:repeating-linear-gradient(45deg,#f4d4d4,#f4d4d4 6px,#fbeaea 6px,#fbeaea 12px)}
tr.group th{background:#e4e8ee}
.details{display:none;border:2px solid #888;padding:8px 12px;margin:10px 0}.details:target{display:block}
pre{background:#f7f7f7;padding:6px;overflow-x:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}
.chart{width:760px;height:320px;margin:12px 0}
nav a{margin-right:14px}.changed{outline:3px solid #333;outline-offset:-3px}
.regression{color:#b00;font-weight:bold}.progression{color:#070;font-weight:bold}
`;
