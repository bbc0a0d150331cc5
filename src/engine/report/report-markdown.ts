import type { Block, ReportDocument } from './report-document.js';
import { escapeMarkdown as md, escapeMarkdownLine } from './escape.js';

function block(b: Block): string {
  switch (b.kind) {
    case 'p':
      return escapeMarkdownLine(b.text);
    case 'h3':
      return `### ${md(b.text)}`;
    case 'facts':
      return b.rows.map(([k, v]) => `- **${md(k)}:** ${md(v)}`).join('\n');
    case 'list':
      return b.items.map((i) => `- ${md(i)}`).join('\n');
    case 'table': {
      const row = (cells: readonly string[]) => `| ${cells.map((c) => md(c) || ' ').join(' | ')} |`;
      return [row(b.head), `|${b.head.map(() => ' --- ').join('|')}|`, ...b.rows.map(row)].join('\n');
    }
    case 'chart':
      return b.mermaid === undefined ? '' : '```mermaid\n' + b.mermaid + '\n```';
    case 'fill':
      return `**${md(b.prompt)}**\n\n${Array.from({ length: b.lines }, () => '- ').join('\n')}`;
  }
}

/** The review as Markdown: headings, facts as lists, tables, the timeline as a Mermaid Gantt. */
export function reportMarkdown(doc: ReportDocument): string {
  const out = [`# ${md(doc.title)}`, '', `_${md(doc.subtitle)}_`, ''];
  out.push(doc.sections.map((s, i) => `${i + 1}. [${md(s.title)}](#${s.id})`).join('\n'), '');
  for (const s of doc.sections) {
    out.push(`<a id="${s.id}"></a>`, `## ${md(s.title)}`, '');
    for (const b of s.blocks) {
      const text = block(b);
      if (text) out.push(text, '');
    }
  }
  return out.join('\n');
}
