import type { Block, ReportDocument } from './report-document.js';
import { escapeHtml as h } from './escape.js';

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c1c1c; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
.sub { color: #555; margin: 0 0 16px; }
nav ol { columns: 3; font-size: 13px; padding-left: 20px; }
section { margin-top: 28px; break-inside: auto; }
h2 { font-size: 18px; border-bottom: 2px solid #263238; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eceff1; }
tr { break-inside: avoid; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; }
dt { font-weight: 600; color: #37474f; }
dd { margin: 0; overflow-wrap: anywhere; }
.tone-ok { border-left: 4px solid #2e7d32; padding-left: 8px; }
.tone-warn { border-left: 4px solid #ef6c00; padding-left: 8px; }
.tone-bad { border-left: 4px solid #c62828; padding-left: 8px; }
.fill { border: 1px dashed #90a4ae; min-height: 64px; margin: 4px 0 12px; padding: 6px; }
.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } nav { display: none; } }
`;

function block(b: Block): string {
  switch (b.kind) {
    case 'p':
      return `<p${b.tone ? ` class="tone-${b.tone}"` : ''}>${h(b.text)}</p>`;
    case 'h3':
      return `<h3>${h(b.text)}</h3>`;
    case 'facts':
      return `<dl>${b.rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${h(i)}</li>`).join('')}</ul>`;
    case 'table':
      return `<table><thead><tr>${b.head.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    case 'chart':
      // The SVG is built by report-charts.ts, which escapes every text it places.
      return b.svg;
    case 'fill':
      return `<h3>${h(b.prompt)}</h3><div class="fill" contenteditable="true"></div>`;
  }
}

/**
 * The review as one self-contained HTML page: inline style, charts as inline SVG, no script, and a content
 * security policy that forbids fetching anything, so it opens the same offline, from an e-mail or a share.
 */
export function reportHtml(doc: ReportDocument): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(doc.title)}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    `<h1>${h(doc.title)}</h1><p class="sub">${h(doc.subtitle)}</p>`,
    `<nav><ol>${doc.sections.map((s) => `<li><a href="#${s.id}">${h(s.title)}</a></li>`).join('')}</ol></nav>`,
    ...doc.sections.map(
      (s) => `<section id="${s.id}"><h2>${h(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`,
    ),
    '</main></body></html>',
    '',
  ].join('\n');
}
