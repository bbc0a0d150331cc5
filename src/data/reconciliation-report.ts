import type { ChangedRow, DiffReport, KeyValue, TableResult } from './diff-result.js';

const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
const keyText = (k: KeyValue) =>
  typeof k === 'object'
    ? Object.entries(k)
        .map(([c, v]) => `${c}=${String(v)}`)
        .join(', ')
    : String(k);
const valueText = (v: string | null | undefined) =>
  v === null || v === undefined ? 'NULL' : JSON.stringify(v);

/** A one-line verdict for a table. */
export function tableVerdict(t: TableResult): string {
  if (t.status === 'error') return `error: ${t.error?.message ?? 'unknown'}`;
  if (t.status === 'identical') return 'identical';
  const parts: string[] = [];
  if (t.counts.missingInTarget) parts.push(`${fmt(t.counts.missingInTarget)} missing in target`);
  if (t.counts.missingInSource) parts.push(`${fmt(t.counts.missingInSource)} missing in source`);
  if (t.counts.changed) parts.push(`${fmt(t.counts.changed)} changed`);
  return parts.join(', ') || 'row counts differ';
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '\\n');

/** The reconciliation report as Markdown: per table counts, status, differing keys and values side by side. */
export function reconciliationMarkdown(report: DiffReport): string {
  const out: string[] = [];
  const ok = report.tables.every((t) => t.status === 'identical');
  out.push('# Data reconciliation report', '');
  out.push(`- Source: \`${report.source.label}\` (${report.source.engine} ${report.source.version})`);
  out.push(`- Target: \`${report.target.label}\` (${report.target.engine} ${report.target.version})`);
  out.push(`- Started: ${report.startedAt}; took ${(report.durationMs / 1000).toFixed(1)} s`);
  out.push(`- Verdict: **${ok ? 'IDENTICAL' : 'DIFFERENCES FOUND'}**`, '');
  out.push(
    '| table | source rows | target rows | status | missing in target | missing in source | changed |',
  );
  out.push('|---|---:|---:|---|---:|---:|---:|');
  for (const t of report.tables) {
    out.push(
      `| ${mdCell(t.table)} | ${fmt(t.sourceRows)} | ${fmt(t.targetRows)} | ${t.status} | ${fmt(t.counts.missingInTarget)} | ${fmt(t.counts.missingInSource)} | ${fmt(t.counts.changed)} |`,
    );
  }
  for (const t of report.tables) {
    out.push('', `## ${t.table}`, '', `Status: **${t.status}** — ${mdCell(tableVerdict(t))}`);
    if (t.error?.hint) out.push('', `Hint: ${t.error.hint}`);
    if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${n.level}: ${n.message}`));
    if (t.missingInTarget.length) {
      out.push('', `### Missing in target`, '', keyLine(t.missingInTarget, t.counts.missingInTarget));
    }
    if (t.missingInSource.length) {
      out.push('', `### Missing in source`, '', keyLine(t.missingInSource, t.counts.missingInSource));
    }
    if (t.changed.length) {
      out.push('', '### Changed rows', '', '| key | column | source | target |', '|---|---|---|---|');
      for (const c of t.changed) for (const col of c.columns) out.push(changedLine(c, col));
      if (t.counts.changed > t.changed.length) {
        out.push('', `… and ${fmt(t.counts.changed - t.changed.length)} more changed rows`);
      }
    }
    out.push(
      '',
      `_${t.mode} mode, ${t.stats.segments} segments, ${t.stats.queries} queries, ${fmt(t.stats.rowsDownloaded)} rows downloaded, ${(t.stats.durationMs / 1000).toFixed(1)} s_`,
    );
  }
  return out.join('\n') + '\n';
}

function keyLine(keys: readonly KeyValue[], total: number): string {
  const shown = keys.map((k) => `\`${keyText(k)}\``).join(', ');
  return total > keys.length ? `${shown} … and ${fmt(total - keys.length)} more` : shown;
}

function changedLine(c: ChangedRow, col: string): string {
  return `| ${mdCell(keyText(c.key))} | ${mdCell(col)} | ${mdCell(valueText(c.source[col]))} | ${mdCell(valueText(c.target[col]))} |`;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The reconciliation report as one self-contained HTML page. */
export function reconciliationHtml(report: DiffReport): string {
  const ok = report.tables.every((t) => t.status === 'identical');
  const rows = report.tables
    .map(
      (t) =>
        `<tr class="${t.status}"><td><a href="#t-${esc(t.table)}">${esc(t.table)}</a></td><td>${fmt(t.sourceRows)}</td><td>${fmt(t.targetRows)}</td><td>${t.status}</td><td>${fmt(t.counts.missingInTarget)}</td><td>${fmt(t.counts.missingInSource)}</td><td>${fmt(t.counts.changed)}</td></tr>`,
    )
    .join('\n');
  const sections = report.tables.map((t) => tableHtml(t)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data reconciliation report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}td:nth-child(n+2){font-variant-numeric:tabular-nums}
tr.identical td:nth-child(4){color:#1a7f37;font-weight:600}tr.different td:nth-child(4),tr.error td:nth-child(4){color:#cf222e;font-weight:600}
.verdict{font-size:1.3rem;font-weight:700;color:${ok ? '#1a7f37' : '#cf222e'}}code{background:#f6f8fa;padding:0 .2rem}
.src{background:#ffebe9}.dst{background:#dafbe1}.meta{color:#57606a}
</style></head><body>
<h1>Data reconciliation report</h1>
<p class="verdict">${ok ? 'IDENTICAL' : 'DIFFERENCES FOUND'}</p>
<p>Source <code>${esc(report.source.label)}</code> (${esc(report.source.engine)} ${esc(report.source.version)}) →
target <code>${esc(report.target.label)}</code> (${esc(report.target.engine)} ${esc(report.target.version)}).
Started ${esc(report.startedAt)}, took ${(report.durationMs / 1000).toFixed(1)} s.</p>
<table><thead><tr><th>table</th><th>source rows</th><th>target rows</th><th>status</th><th>missing in target</th><th>missing in source</th><th>changed</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${sections}
</body></html>
`;
}

function tableHtml(t: TableResult): string {
  const parts = [
    `<h2 id="t-${esc(t.table)}">${esc(t.table)}</h2>`,
    `<p><strong>${t.status}</strong> — ${esc(tableVerdict(t))}</p>`,
  ];
  if (t.error?.hint) parts.push(`<p>Hint: ${esc(t.error.hint)}</p>`);
  if (t.notes.length) {
    parts.push(`<ul>${t.notes.map((n) => `<li>${n.level}: ${esc(n.message)}</li>`).join('')}</ul>`);
  }
  const keys = (title: string, list: readonly KeyValue[], total: number) =>
    list.length
      ? `<h3>${title} (${fmt(total)})</h3><p>${list.map((k) => `<code>${esc(keyText(k))}</code>`).join(' ')}${total > list.length ? ` … and ${fmt(total - list.length)} more` : ''}</p>`
      : '';
  parts.push(keys('Missing in target', t.missingInTarget, t.counts.missingInTarget));
  parts.push(keys('Missing in source', t.missingInSource, t.counts.missingInSource));
  if (t.changed.length) {
    const lines = t.changed.flatMap((c) =>
      c.columns.map(
        (col) =>
          `<tr><td><code>${esc(keyText(c.key))}</code></td><td>${esc(col)}</td><td class="src">${esc(valueText(c.source[col]))}</td><td class="dst">${esc(valueText(c.target[col]))}</td></tr>`,
      ),
    );
    parts.push(
      `<h3>Changed rows (${fmt(t.counts.changed)})</h3><table><thead><tr><th>key</th><th>column</th><th>source</th><th>target</th></tr></thead><tbody>${lines.join('')}</tbody></table>`,
    );
  }
  parts.push(
    `<p class="meta">${t.mode} mode · ${t.stats.segments} segments · ${t.stats.queries} queries · ${fmt(t.stats.rowsDownloaded)} rows downloaded · ${(t.stats.durationMs / 1000).toFixed(1)} s</p>`,
  );
  return parts.join('\n');
}
