import type { TableProgress } from '../data/diff-context.js';

/**
 * A one-line progress bar for long comparisons (rows checked / total, segments, ETA). Draws only on a terminal,
 * at most every 100 ms, and clears itself when done.
 */
export class ProgressBar {
  #lastDraw = 0;
  #started = 0;
  #table = '';
  readonly #enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number,
  ) {
    this.#enabled = stream.isTTY === true;
  }

  startTable(table: string): void {
    this.#table = table;
    this.#started = this.now();
  }

  update(p: TableProgress): void {
    if (!this.#enabled) return;
    const t = this.now();
    if (t - this.#lastDraw < 100 && p.rowsChecked < p.totalRows) return;
    this.#lastDraw = t;
    const ratio = p.totalRows > 0 ? Math.min(1, p.rowsChecked / p.totalRows) : 1;
    const width = 24;
    const filled = Math.round(ratio * width);
    const elapsed = (t - this.#started) / 1000;
    const eta = ratio > 0.01 && ratio < 1 ? ` · ETA ${Math.ceil((elapsed / ratio) * (1 - ratio))}s` : '';
    const diffs = p.differences ? ` · ${p.differences.toLocaleString('en-US')} differences` : '';
    const line = `${this.#table} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${p.rowsChecked.toLocaleString('en-US')}/${p.totalRows.toLocaleString('en-US')} rows · ${p.segments} segments${diffs}${eta}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns || 120) - 1)}`);
  }

  clear(): void {
    if (this.#enabled) this.stream.write('\r\x1b[2K');
  }
}
