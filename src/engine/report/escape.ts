const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML and SVG, in element content and in quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML[c]!);

/**
 * Text made safe inside a Markdown table cell or line: Markdown syntax, HTML and line breaks cannot start
 * a link, an image, a raw HTML block or a new row.
 */
export const escapeMarkdown = (text: string): string =>
  text
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, ' ');

/** A paragraph of Markdown: also what would start a heading, quote, list or numbered list. */
export const escapeMarkdownLine = (text: string): string =>
  escapeMarkdown(text)
    .replace(/^([#>+-])/, '\\$1')
    .replace(/^(\d+)\./, '$1\\.');
