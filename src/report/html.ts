import { lifecycleOf, type ChannelRef } from '../catalog';
import { extractDiagram } from '../diagram/extract';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import { formatCount, formatDuration, formatShare } from './format';
import { REPORT_FORMAT, type ChannelFigures, type Contradiction, type DeliveryReport, type TimingFigures } from './model';
import { histogramOf } from './sketch';
import { trafficSvg } from './traffic';

/** Options of {@link renderReportHtml}. */
export interface ReportHtmlOptions {
  /** The page title. Default `'Delivery report'`. */
  readonly title?: string;
  /** A line under the title saying where the figures come from, e.g. the file name. */
  readonly subtitle?: string;
  /** Custom channels' lifecycles, to draw their diagrams (built-in channels need nothing). */
  readonly channels?: readonly ChannelRef[];
  /** How many failure details are listed before the rest is summed. Default 20. */
  readonly topDetails?: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values (provider details are untrusted). */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A table cell holding a figure: `data-figure` names it (for tests and scrapers), the text shows it. */
function num(figure: string, value: number, text = formatCount(value)): string {
  return `<td class="num" data-figure="${esc(figure)}">${esc(text)}</td>`;
}

function pct(figure: string, share: number): string {
  return `<td class="num" data-figure="${esc(figure)}" data-kind="share">${formatShare(share)}</td>`;
}

function ms(figure: string, value: number | null): string {
  return `<td class="num" data-figure="${esc(figure)}" data-kind="duration"${value === null ? '' : ` data-ms="${value}"`}>${formatDuration(value)}</td>`;
}

const CSS = `
:root{--ink:#1f2937;--soft:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--flow:#2563eb;--flow2:#93c5fd;--fail:#dc2626;--warn:#d97706;--muted:#cbd5e1;--ok:#059669}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:linear-gradient(135deg,#1e3a8a,#2563eb 60%,#0ea5e9);color:#fff;padding:28px 20px 22px}
header.top h1{margin:0;font-size:1.7rem;letter-spacing:-.01em}
header.top p{margin:.3rem 0 0;opacity:.9}
.wrap{max-width:1100px;margin:0 auto}
main{padding:0 16px 40px}
nav.toc{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0}
nav.toc a{background:var(--card);border:1px solid var(--line);border-radius:999px;padding:4px 12px;color:var(--ink);text-decoration:none;font-size:.9rem}
section.channel,section.block{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:18px 20px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{margin:0 0 12px;font-size:1.35rem}
h3{margin:22px 0 8px;font-size:1.05rem}
h4{margin:14px 0 4px;font-size:.95rem}
p.note{color:var(--soft);font-size:.88rem;margin:.2rem 0 .6rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:6px 0 4px}
.kpi{border:1px solid var(--line);border-radius:10px;padding:10px 12px;background:#fbfdff}
.kpi b{display:block;font-size:1.45rem;line-height:1.2}
.kpi span{color:var(--soft);font-size:.82rem}
.kpi.bad b{color:var(--fail)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:6px 0 10px}
caption{text-align:left;color:var(--soft);font-size:.82rem;padding:2px 0 4px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;background:#f9fafb;white-space:nowrap}
tbody th{background:none;font-weight:500}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.zero td{color:#9ca3af}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:4px;padding:1px 4px;word-break:break-word}
svg{max-width:100%;height:auto}
svg.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:var(--ink)}
svg.chart .soft{fill:var(--soft)}
.figure{margin:4px 0 8px}
.diagram{border:1px solid var(--line);border-radius:10px;padding:8px;background:#fff;text-align:center}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:.82rem;color:var(--soft);margin:6px 0}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;vertical-align:-1px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
.hist{border:1px solid var(--line);border-radius:10px;padding:8px 10px}
details summary{cursor:pointer;color:var(--flow);font-size:.85rem}
.tag{display:inline-block;font-size:.75rem;border-radius:999px;padding:0 7px;background:#eef2ff;color:#3730a3}
.tag.bad{background:#fef2f2;color:var(--fail)}
footer{color:var(--soft);font-size:.8rem;text-align:center;padding:10px 16px 30px}
@media (max-width:600px){body{font-size:14px}header.top{padding:20px 14px}header.top h1{font-size:1.35rem}section.channel,section.block{padding:14px 12px;border-radius:10px}main{padding:0 8px 30px}th,td{padding:4px 5px}}
@media print{body{background:#fff;font-size:11pt}header.top{background:none;color:#000;padding:0 0 8px;border-bottom:2px solid #000}nav.toc{display:none}section.channel,section.block{box-shadow:none;border:none;padding:0;margin:14px 0;break-inside:auto}h3,h4,.figure,table{break-inside:avoid}details>*{display:block}.scroll{overflow:visible}a{color:inherit;text-decoration:none}}
`;

const W = 640;

/** Horizontal bars: one row per item, bar by share, an implied part drawn lighter. */
function funnelChart(channel: ChannelFigures, failures: ReadonlySet<string>): string {
  const rowH = 30;
  const labelW = 130;
  const barW = W - labelW - 150;
  const rows = channel.funnel.map((step, i) => {
    const y = i * rowH;
    const width = Math.max(step.reached > 0 ? 2 : 0, Math.round(step.share * barW));
    const impliedW = step.reached === 0 ? 0 : Math.round((step.implied / step.reached) * width);
    const colour = step.reached === 0 ? 'var(--muted)' : failures.has(step.status) ? 'var(--fail)' : 'var(--flow)';
    return [
      `<text x="${labelW - 8}" y="${y + 19}" text-anchor="end"${step.reached === 0 ? ' class="soft"' : ''}>${esc(step.status)}</text>`,
      `<rect x="${labelW}" y="${y + 5}" width="${barW}" height="${rowH - 10}" rx="4" fill="#f1f5f9"/>`,
      `<rect x="${labelW}" y="${y + 5}" width="${width}" height="${rowH - 10}" rx="4" fill="${colour}"/>`,
      impliedW > 0 ? `<rect x="${labelW + width - impliedW}" y="${y + 5}" width="${impliedW}" height="${rowH - 10}" fill="#fff" fill-opacity=".45"/>` : '',
      `<text x="${labelW + barW + 8}" y="${y + 19}">${formatCount(step.reached)} · ${formatShare(step.share)}</text>`,
    ].join('');
  });
  const h = channel.funnel.length * rowH;
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="Funnel of ${esc(channel.channel)}">${rows.join('')}</svg>`;
}

const PALETTE = ['#2563eb', '#0ea5e9', '#14b8a6', '#22c55e', '#a855f7', '#f59e0b', '#64748b', '#ec4899'];
const FAIL_PALETTE = ['#dc2626', '#f97316', '#b91c1c', '#fb7185', '#9f1239'];

/** One stacked bar of where messages ended, with a legend. */
function finalChart(channel: ChannelFigures, failures: ReadonlySet<string>): string {
  const present = channel.final.filter((f) => f.count > 0);
  if (present.length === 0) return '';
  let x = 0;
  let ok = 0;
  let bad = 0;
  const colours = new Map<string, string>();
  for (const f of present) colours.set(f.status, failures.has(f.status) ? FAIL_PALETTE[bad++ % FAIL_PALETTE.length] : PALETTE[ok++ % PALETTE.length]);
  const parts = present.map((f) => {
    const width = f.share * W;
    const rect = `<rect x="${x.toFixed(2)}" y="0" width="${width.toFixed(2)}" height="26" fill="${colours.get(f.status)}"><title>${esc(f.status)}: ${formatCount(f.count)} (${formatShare(f.share)})</title></rect>`;
    x += width;
    return rect;
  });
  const legend = present
    .map((f) => `<span><i style="background:${colours.get(f.status)}"></i>${esc(f.status)} ${formatShare(f.share)}</span>`)
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} 26" width="100%" height="26" role="img" aria-label="Final statuses of ${esc(channel.channel)}" preserveAspectRatio="none">${parts.join('')}</svg><div class="legend">${legend}</div>`;
}

function histogramChart(channel: string, timing: TimingFigures): string {
  const bars = histogramOf(timing.sketch);
  if (bars.length === 0) return '<p class="note">No durations measured.</p>';
  const hw = 300;
  const hh = 110;
  const base = hh - 22;
  const top = Math.max(...bars.map((b) => b.count));
  const bw = hw / bars.length;
  const label = (b: { from: number; to: number }) => (b.to === 0 ? '0' : `≤ ${formatDuration(b.to)}`);
  const rects = bars.map((b, i) => {
    const h = top === 0 ? 0 : Math.round((b.count / top) * (base - 6));
    return `<rect x="${(i * bw + 1).toFixed(1)}" y="${base - h}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h}" rx="2" fill="var(--flow)"><title>${esc(label(b))}: ${formatCount(b.count)}</title></rect>`;
  });
  const ticks = [0, Math.floor((bars.length - 1) / 2), bars.length - 1]
    .filter((v, i, all) => all.indexOf(v) === i)
    .map((i, k, all) => {
      const [x, anchor] = k === 0 ? [0, 'start'] : k === all.length - 1 ? [hw, 'end'] : [i * bw + bw / 2, 'middle'];
      return `<text class="soft" x="${x.toFixed(1)}" y="${hh - 6}" text-anchor="${anchor}" font-size="10">${esc(label(bars[i]))}</text>`;
    });
  const rows = bars
    .map((b) => `<tr${b.count === 0 ? ' class="zero"' : ''}><td>${esc(b.to === 0 ? '0 ms' : `${formatDuration(b.from)} – ${formatDuration(b.to)}`)}</td>${num(`${channel}.timing.${timing.from}.${timing.to}.bar`, b.count)}</tr>`)
    .join('');
  return `<svg class="chart" viewBox="0 0 ${hw} ${hh}" width="${hw}" height="${hh}" role="img" aria-label="Histogram ${esc(timing.from)} to ${esc(timing.to)}"><line x1="0" x2="${hw}" y1="${base}" y2="${base}" stroke="#cbd5e1"/>${rects.join('')}${ticks.join('')}</svg>
<details><summary>Histogram as a table</summary><div class="scroll"><table><thead><tr><th>Duration</th><th class="num">Messages</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function channelSection(channel: ChannelFigures, svg: string, topDetails: number): string {
  const c = channel.channel;
  const failures = new Set(channel.failures.byStatus.map((f) => f.status));
  const id = `ch-${c.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const busiest = [...channel.timings].sort((a, b) => b.count - a.count)[0];
  const kpis = [
    `<div class="kpi"><b data-figure="${esc(c)}.started">${formatCount(channel.started)}</b><span>messages started</span></div>`,
    `<div class="kpi${channel.failures.total > 0 ? ' bad' : ''}"><b>${formatShare(channel.started === 0 ? 0 : channel.failures.total / channel.started)}</b><span>failed (${formatCount(channel.failures.total)})</span></div>`,
    busiest === undefined
      ? ''
      : `<div class="kpi"><b>${formatDuration(busiest.median)}</b><span>median ${esc(busiest.from)} → ${esc(busiest.to)}</span></div>`,
    busiest === undefined ? '' : `<div class="kpi"><b>${formatDuration(busiest.p99)}</b><span>p99 ${esc(busiest.from)} → ${esc(busiest.to)}</span></div>`,
  ].join('');

  const funnelRows = channel.funnel
    .map(
      (f) =>
        `<tr${f.reached === 0 ? ' class="zero"' : ''}><th scope="row">${esc(f.status)}${failures.has(f.status) ? ' <span class="tag bad">failure</span>' : ''}</th>${num(`${c}.funnel.${f.status}.reached`, f.reached)}${pct(`${c}.funnel.${f.status}.share`, f.share)}${num(`${c}.funnel.${f.status}.implied`, f.implied)}</tr>`,
    )
    .join('');
  const transitionRows = channel.transitions
    .map(
      (t) =>
        `<tr${t.count === 0 ? ' class="zero"' : ''}><td>${esc(t.from)} → ${esc(t.to)}${t.from === t.to ? ' <span class="tag">repeat</span>' : ''}</td>${num(`${c}.transition.${t.from}.${t.to}.count`, t.count)}${num(`${c}.transition.${t.from}.${t.to}.implied`, t.implied)}</tr>`,
    )
    .join('');
  const finalRows = channel.final
    .map((f) => `<tr${f.count === 0 ? ' class="zero"' : ''}><th scope="row">${esc(f.status)}</th>${num(`${c}.final.${f.status}.count`, f.count)}${pct(`${c}.final.${f.status}.share`, f.share)}</tr>`)
    .join('');
  const timingRows = channel.timings
    .map((t) => {
      const f = `${c}.timing.${t.from}.${t.to}`;
      return `<tr><td>${esc(t.from)} → ${esc(t.to)}</td>${num(`${f}.count`, t.count)}${ms(`${f}.median`, t.median)}${ms(`${f}.p90`, t.p90)}${ms(`${f}.p99`, t.p99)}${ms(`${f}.min`, t.min)}${ms(`${f}.max`, t.max)}${num(`${f}.negative`, t.negative)}</tr>`;
    })
    .join('');
  const histograms = channel.timings
    .filter((t) => t.count > 0)
    .map((t) => `<div class="hist"><h4>${esc(t.from)} → ${esc(t.to)} <span class="tag">${formatCount(t.count)}</span></h4>${histogramChart(c, t)}</div>`)
    .join('');

  const { failures: fail } = channel;
  const listed = fail.byDetail.slice(0, topDetails);
  const rest = fail.byDetail.slice(topDetails).reduce((sum, d) => sum + d.count, 0) + fail.otherDetails;
  const detailRows = [
    ...listed.map((d, i) => `<tr><td><code>${esc(d.detail)}</code></td>${num(`${c}.detail.${i}`, d.count)}</tr>`),
    rest > 0 ? `<tr><td>all other details</td>${num(`${c}.detail.rest`, rest)}</tr>` : '',
    fail.withoutDetail > 0 ? `<tr><td>no detail given</td>${num(`${c}.detail.none`, fail.withoutDetail)}</tr>` : '',
  ].join('');
  const failureRows = fail.byStatus
    .map((f) => `<tr${f.count === 0 ? ' class="zero"' : ''}><th scope="row">${esc(f.status)}</th>${num(`${c}.failure.${f.status}.count`, f.count)}${pct(`${c}.failure.${f.status}.share`, f.share)}</tr>`)
    .join('');

  return `<section class="channel" id="${esc(id)}">
<h2>${esc(c)}</h2>
<div class="kpis">${kpis}</div>

<h3>Funnel</h3>
<p class="note">Messages that reached each status, by a report of their own or implied by a later one (lighter part of the bar), as a share of the ${formatCount(channel.started)} started.</p>
<div class="figure">${funnelChart(channel, failures)}</div>
<div class="scroll"><table class="funnel"><thead><tr><th>Status</th><th class="num">Reached</th><th class="num">Share</th><th class="num">Only implied</th></tr></thead><tbody>${funnelRows}</tbody></table></div>

<h3>Lifecycle with traffic</h3>
<p class="note">Each arrow carries the messages that took it; width follows volume. Steps filled in because a later report arrived first are counted as implied (dashed when all were). Grey: nothing went there.</p>
<div class="figure diagram">${svg}</div>
<div class="scroll"><table class="transitions"><thead><tr><th>Transition</th><th class="num">Messages</th><th class="num">Of which implied</th></tr></thead><tbody>${transitionRows}</tbody></table></div>

<h3>Where messages are now</h3>
<div class="figure">${finalChart(channel, failures)}</div>
<div class="scroll"><table class="final"><thead><tr><th>Status</th><th class="num">Messages</th><th class="num">Share</th></tr></thead><tbody>${finalRows}</tbody></table></div>

<h3>Time between statuses</h3>
<p class="note">From the reports' times, for every pair a message reached in order (implied statuses have no time). Quantiles within 1 % (DDSketch); min and max exact. A pair stamped backwards is counted apart as clock skew.</p>
${
  channel.timings.length === 0
    ? '<p class="note">No pair of statuses could be timed (reports without <code>at</code>).</p>'
    : `<div class="scroll"><table class="timings"><thead><tr><th>From → to</th><th class="num">Messages</th><th class="num">Median</th><th class="num">p90</th><th class="num">p99</th><th class="num">Min</th><th class="num">Max</th><th class="num">Clock skew</th></tr></thead><tbody>${timingRows}</tbody></table></div>
<div class="grid">${histograms}</div>`
}

<h3>Why messages failed</h3>
${
  fail.byStatus.length === 0
    ? '<p class="note">The lifecycle tags no status as a failure.</p>'
    : `<div class="scroll"><table class="failures"><thead><tr><th>Failure status</th><th class="num">Messages</th><th class="num">Share</th></tr></thead><tbody>${failureRows}</tbody></table></div>
<h4>By the provider's detail</h4>
${
  detailRows === ''
    ? '<p class="note">No failures.</p>'
    : `<div class="scroll"><table class="details"><thead><tr><th>Detail</th><th class="num">Messages</th></tr></thead><tbody>${detailRows}</tbody></table></div>`
}`
}
</section>`;
}

function contradictionRow(item: Contradiction): string {
  const what = item.kind === 'rejected' ? `${esc(item.status ?? '')} while ${esc(item.current ?? '')} <span class="tag bad">${esc(item.code ?? '')}</span>` : '<span class="tag">malformed</span>';
  return `<tr><td class="num">${item.line}</td><td>${item.message === undefined ? '' : `<code>${esc(item.message)}</code>`}</td><td>${what}</td><td>${esc(item.reason)}</td></tr>`;
}

function contradictionsSection(report: DeliveryReport): string {
  const x = report.contradictions;
  const codes = Object.entries(x.byCode)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `<tr><td>${esc(code)}</td>${num(`contradictions.byCode.${code}`, n)}</tr>`)
    .join('');
  const more = x.malformed + x.rejected - x.listed.length;
  return `<section class="block" id="contradictions">
<h2>Contradictions</h2>
${report.source === 'store' ? '<p class="note">The store keeps no rejected or malformed reports; these figures come from event logs only.</p>' : ''}
<div class="kpis">
<div class="kpi${x.rejected > 0 ? ' bad' : ''}"><b data-figure="contradictions.rejected">${formatCount(x.rejected)}</b><span>rejected events</span></div>
<div class="kpi${x.malformed > 0 ? ' bad' : ''}"><b data-figure="contradictions.malformed">${formatCount(x.malformed)}</b><span>malformed lines</span></div>
<div class="kpi"><b data-figure="contradictions.duplicate">${formatCount(x.ignored.duplicate)}</b><span>duplicates ignored</span></div>
<div class="kpi"><b data-figure="contradictions.stale">${formatCount(x.ignored.stale)}</b><span>late reports ignored</span></div>
</div>
${codes === '' ? '' : `<div class="scroll"><table class="codes"><thead><tr><th>Rejected because</th><th class="num">Events</th></tr></thead><tbody>${codes}</tbody></table></div>`}
${
  x.listed.length === 0
    ? ''
    : `<h3>The first ${formatCount(x.listed.length)}</h3><div class="scroll"><table class="listed"><thead><tr><th class="num">Line</th><th>Message</th><th>What</th><th>Why</th></tr></thead><tbody>${x.listed.map(contradictionRow).join('')}</tbody></table></div>${more > 0 ? `<p class="note">… and ${formatCount(more)} more.</p>` : ''}`
}
</section>`;
}

/**
 * The delivery report as one self-contained HTML page: styles and SVG
 * inline, no script, no external resource (a Content-Security-Policy
 * forbids any), readable at phone width and in print. Every chart has a
 * table of the same numbers, and every figure cell carries a `data-figure`
 * name. The lifecycle diagrams are laid out by the lazily loaded Graphviz
 * from the same diagram model as every other diagram. Text from the input
 * (statuses of custom channels, message ids, provider details) is escaped.
 * Rejects with `LifecycleError`: `invalid_argument` for something that is
 * not a report, `unknown_channel` for a custom channel not in
 * `options.channels`.
 *
 * @example
 * await writeFile('report.html', await renderReportHtml(await buildReport(lines)))
 */
export async function renderReportHtml(report: DeliveryReport, options: ReportHtmlOptions = {}): Promise<string> {
  if (report?.format !== REPORT_FORMAT) throw new LifecycleError('invalid_argument', `not a ${REPORT_FORMAT} report: ${show(report)}`);
  const title = options.title ?? 'Delivery report';
  const topDetails = options.topDetails ?? 20;
  const custom = new Map<string, ChannelRef>();
  for (const channel of options.channels ?? []) {
    const lifecycle = lifecycleOf(channel as unknown);
    if (lifecycle !== undefined) custom.set(lifecycle.name, lifecycle);
  }
  const sections: string[] = [];
  for (const channel of report.channels) {
    const lifecycle = lifecycleOf((custom.get(channel.channel) ?? channel.channel) as unknown);
    if (lifecycle === undefined) throw new LifecycleError('unknown_channel', `no lifecycle for channel ${show(channel.channel)}: pass it in options.channels`);
    const svg = await trafficSvg(channel, extractDiagram(lifecycle), new Set(channel.failures.byStatus.map((f) => f.status)));
    sections.push(channelSection(channel, svg, topDetails));
  }
  const source =
    report.source === 'store'
      ? `From the store: ${formatCount(report.messages)} messages, ${formatCount(report.events)} reports`
      : `${formatCount(report.lines)} lines, ${formatCount(report.events)} events, ${formatCount(report.messages)} messages`;
  const toc = report.channels.map((c) => `<a href="#ch-${esc(c.channel.replace(/[^A-Za-z0-9_-]/g, '_'))}">${esc(c.channel)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="wrap"><h1>${esc(title)}</h1><p>${options.subtitle === undefined ? '' : `${esc(options.subtitle)} · `}${source} · ${esc(report.policy)} policy</p></div></header>
<main class="wrap">
<nav class="toc">${toc}<a href="#contradictions">contradictions</a></nav>
${sections.join('\n')}
${contradictionsSection(report)}
</main>
<footer>delivery-lifecycle · ${REPORT_FORMAT}</footer>
</body>
</html>
`;
}
