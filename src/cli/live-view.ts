import type { Plan } from '../core/plan/plan.js';
import type { RunEvent } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { formatEvent } from './format-event.js';
import { renderLiveFrame } from './live-frame.js';
import type { Style } from './style.js';

const RECENT = 50;
/** The alternate screen (like `less` or `top`): frames never pile up in the scrollback. */
const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The terminal view of a run being driven, for a TTY: a frame that fits the terminal (see renderLiveFrame),
 * redrawn in place on the alternate screen; when the run ends the last frame is printed once on the normal
 * screen. Without a TTY (CI, pipes) the run prints plain event lines instead.
 */
export class LiveView {
  readonly #recent: string[] = [];
  readonly #write: (text: string) => void;
  readonly #style: Style;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    write: (text: string) => void,
    style: Style,
    private readonly plan: Plan,
    private readonly state: () => RunState,
    private readonly now: () => number,
    private readonly size: () => TerminalSize = () => ({ columns: 80, rows: 24 }),
  ) {
    this.#write = write;
    this.#style = style;
  }

  start(intervalMs = 500): void {
    this.#write(ENTER);
    this.#timer = setInterval(() => this.draw(), intervalMs);
    this.draw();
  }

  onEvent(event: RunEvent, goLiveMs: number): void {
    this.#recent.push(formatEvent(event, goLiveMs, this.#style));
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  /** The frame as lines, for the current state and terminal size. */
  frame(): string[] {
    const state = this.state();
    const { columns, rows } = this.size();
    return renderLiveFrame({
      plan: this.plan,
      state,
      now: state.status === 'ended' ? state.lastAtMs : this.now(),
      recent: this.#recent,
      style: this.#style,
      columns: Math.max(20, columns),
      rows: Math.max(5, rows - 1),
    });
  }

  draw(): void {
    this.#write(`${HOME}${this.frame().join(`${CLEAR_LINE}\n`)}${CLEAR_LINE}\n${CLEAR_BELOW}`);
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#write(`${LEAVE}${this.frame().join('\n')}\n`);
  }
}
