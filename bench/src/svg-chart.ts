import { STEPS, type Percentiles, type TimelineSecond } from './latency.js';
import { formatMs, formatNumber, type BenchResults } from './results.js';

const WIDTH = 960;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const PERCENTILES = [
  { key: 'p50', color: '#4e79a7' },
  { key: 'p95', color: '#f28e2b' },
  { key: 'p99', color: '#e15759' },
] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

interface LatencyRow {
  label: string;
  percentiles: Percentiles;
}

/** One row per phase and step: p50, p95 and p99 as three thin bars on a logarithmic scale. */
function drawLatencyPanel(rows: LatencyRow[], top: number): { svg: string[]; height: number } {
  const left = 320;
  const right = WIDTH - 70;
  const rowHeight = 22;
  const values = rows.flatMap((row) => [row.percentiles.p50, row.percentiles.p99]).filter((v) => v > 0);
  const lowest = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const highest = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (ms: number) => left + ((Math.log10(Math.max(ms, lowest)) - Math.log10(lowest)) / (Math.log10(highest) - Math.log10(lowest))) * (right - left);
  const plotTop = top + 40;
  const plotBottom = plotTop + rows.length * rowHeight;
  const svg = [text(20, top + 16, 'Latency per phase and step (ms, logarithmic): p50, p95, p99', `${FONT} font-size="15" font-weight="600"`)];
  PERCENTILES.forEach((p, i) => {
    svg.push(`<rect x="${620 + i * 70}" y="${top + 6}" width="12" height="12" fill="${p.color}"/>`);
    svg.push(text(636 + i * 70, top + 16, p.key, `${FONT} font-size="12"`));
  });
  for (let decade = lowest; decade <= highest * 1.001; decade *= 10) {
    for (const factor of [1, 2, 5]) {
      const ms = decade * factor;
      if (ms > highest * 1.001) break;
      const gx = x(ms);
      svg.push(`<line x1="${gx.toFixed(1)}" y1="${plotTop - 4}" x2="${gx.toFixed(1)}" y2="${plotBottom}" stroke="${factor === 1 ? '#bbb' : '#e5e5e5'}" stroke-width="1"/>`);
      svg.push(text(gx, plotBottom + 14, formatTick(ms), `${FONT} font-size="10" fill="#555" text-anchor="middle"`));
    }
  }
  rows.forEach((row, i) => {
    const y = plotTop + i * rowHeight;
    if (i % 2 === 0) svg.push(`<rect x="20" y="${y - 2}" width="${WIDTH - 40}" height="${rowHeight}" fill="#f7f7f7"/>`);
    svg.push(text(left - 8, y + 13, row.label, `${FONT} font-size="12" text-anchor="end"`));
    PERCENTILES.forEach((p, j) => {
      const value = row.percentiles[p.key];
      if (value <= 0) return;
      svg.push(`<rect x="${left}" y="${y + 2 + j * 6}" width="${Math.max(1, x(value) - left).toFixed(1)}" height="5" fill="${p.color}"/>`);
    });
    svg.push(text(x(row.percentiles.p99) + 4, y + 14, formatMs(row.percentiles.p99), `${FONT} font-size="10" fill="#333"`));
  });
  return { svg, height: plotBottom + 24 - top };
}

interface Series {
  label: string;
  color: string;
  seconds: TimelineSecond[];
  warmupS: number;
}

/** Paid orders (logins for the logins phase) per second since each phase began. */
function drawThroughputPanel(series: Series[], top: number): { svg: string[]; height: number } {
  const left = 80;
  const right = WIDTH - 30;
  const plotTop = top + 46;
  const plotBottom = plotTop + 260;
  const longest = Math.max(1, ...series.map((s) => s.seconds.length));
  const peak = Math.max(1, ...series.flatMap((s) => s.seconds.map((second) => second.paid)));
  const step = niceStep(peak / 5);
  const yMax = Math.ceil(peak / step) * step;
  const x = (second: number) => left + (second / longest) * (right - left);
  const y = (value: number) => plotBottom - (value / yMax) * (plotBottom - plotTop);
  const svg = [text(20, top + 16, 'Throughput over time: paid orders per second (logins per second for logins)', `${FONT} font-size="15" font-weight="600"`)];
  series.forEach((s, i) => {
    svg.push(`<rect x="${80 + i * 200}" y="${top + 26}" width="14" height="4" fill="${s.color}"/>`);
    svg.push(text(100 + i * 200, top + 32, s.label, `${FONT} font-size="12"`));
  });
  for (let value = 0; value <= yMax; value += step) {
    svg.push(`<line x1="${left}" y1="${y(value).toFixed(1)}" x2="${right}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/>`);
    svg.push(text(left - 6, y(value) + 4, formatTick(value), `${FONT} font-size="10" fill="#555" text-anchor="end"`));
  }
  const tick = niceStep(longest / 10);
  for (let second = 0; second <= longest; second += tick) {
    svg.push(text(x(second), plotBottom + 14, `${second} s`, `${FONT} font-size="10" fill="#555" text-anchor="middle"`));
  }
  svg.push(`<line x1="${left}" y1="${plotBottom}" x2="${right}" y2="${plotBottom}" stroke="#999"/>`);
  for (const s of series) {
    if (s.seconds.length === 0) continue;
    // A second's count is drawn at its middle; the last, partial second (the drain) is left out.
    const points = s.seconds.slice(0, Math.max(1, s.seconds.length - 1)).map((second) => `${x(second.second + 0.5).toFixed(1)},${y(second.paid).toFixed(1)}`);
    svg.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    if (s.warmupS > 0) {
      svg.push(`<line x1="${x(s.warmupS).toFixed(1)}" y1="${plotTop}" x2="${x(s.warmupS).toFixed(1)}" y2="${plotBottom}" stroke="${s.color}" stroke-dasharray="4 4" stroke-width="1"/>`);
    }
  }
  svg.push(text(right, plotBottom + 30, 'dashed: end of each phase\'s warmup', `${FONT} font-size="10" fill="#555" text-anchor="end"`));
  return { svg, height: plotBottom + 36 - top };
}

/** Axis ticks are round numbers: show them without trailing zeros (0.1, 2, 500, 1000). */
function formatTick(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function niceStep(raw: number): number {
  const magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
  const normalised = raw / magnitude;
  const nice = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10;
  return Math.max(1, nice * magnitude);
}

/** A chart a person can open in any browser or viewer: plain SVG written by hand, no renderer needed. */
export function renderSvgChart(results: BenchResults): string {
  const { unloaded, saturation, fixedRate, logins, databaseBound } = results.phases;
  const rows: LatencyRow[] = [];
  const addFlow = (label: string, latencies: Record<string, Percentiles> | undefined) => {
    for (const step of STEPS) {
      const percentiles = latencies?.[step];
      if (percentiles !== undefined && percentiles.count > 0) rows.push({ label: `${label} · ${step}`, percentiles });
    }
  };
  addFlow('unloaded', unloaded.latencyFromSend);
  addFlow(`saturation, ${saturation.users} users`, saturation.latencyFromSend);
  addFlow(`fixed rate ${formatNumber(fixedRate.rate ?? 0)}/s, from schedule`, fixedRate.latencyFromSchedule);
  if (logins.latency.count > 0) rows.push({ label: 'logins · login', percentiles: logins.latency });
  if (databaseBound.cycleLatency.count > 0) rows.push({ label: 'database bound · cycle SQL', percentiles: databaseBound.cycleLatency });

  const title = `orderflow benchmark · ${results.generatedAt} · ${results.machine.cores} cores · system ÷ database bound ${results.systemToBound.toFixed(2)}`;
  const latency = drawLatencyPanel(rows, 40);
  const throughput = drawThroughputPanel(
    [
      { label: `saturation (${saturation.users} users)`, color: '#4e79a7', seconds: saturation.timeline, warmupS: saturation.warmupS },
      { label: `fixed rate (${formatNumber(fixedRate.rate ?? 0)}/s)`, color: '#59a14f', seconds: fixedRate.timeline, warmupS: fixedRate.warmupS },
      { label: 'logins', color: '#b07aa1', seconds: logins.timeline, warmupS: 0 },
      { label: `database bound (${databaseBound.connections} conn.)`, color: '#e15759', seconds: databaseBound.timeline, warmupS: databaseBound.warmupS },
    ],
    40 + latency.height + 20,
  );
  const height = 40 + latency.height + 20 + throughput.height + 10;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${Math.ceil(height)}" viewBox="0 0 ${WIDTH} ${Math.ceil(height)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    text(20, 24, title, `${FONT} font-size="16" font-weight="700"`),
    ...latency.svg,
    ...throughput.svg,
    '</svg>',
    '',
  ].join('\n');
}
