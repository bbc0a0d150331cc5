import { formatDuration } from '../core/duration.js';
import { formatOffset } from '../core/offset.js';
import type { Plan } from '../core/plan.js';
import type { RunEvent } from '../core/run-event.js';
import type { RunState } from '../core/run-state.js';
import { formatEvent } from './format-event.js';
import { formatStatus } from './commands/status-command.js';
import type { Style } from './style.js';

const CLEAR = '\x1b[H\x1b[2J';
const RECENT = 8;

/**
 * The terminal view of a run being driven, for a TTY: countdown, phases and tasks, who owes what and the
 * latest events, redrawn in place. Without a TTY (CI, pipes) the run prints plain event lines instead.
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
  ) {
    this.#write = write;
    this.#style = style;
  }

  start(intervalMs = 500): void {
    this.#timer = setInterval(() => this.draw(), intervalMs);
    this.draw();
  }

  onEvent(event: RunEvent, goLiveMs: number): void {
    this.#recent.push(formatEvent(event, goLiveMs, this.#style));
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  draw(): void {
    const state = this.state();
    const now = state.status === 'ended' ? state.lastAtMs : this.now();
    const toT0 = state.goLiveMs - now;
    const next = this.plan.phases.find((p) => state.goLiveMs + p.atMs > now);
    const header = [
      this.#style.bold(`now T${toT0 > 0 ? '-' : '+'}${formatDuration(Math.abs(toT0))}`),
      toT0 > 0 ? `(${formatDuration(toT0)} to T-0)` : '(past T-0)',
      next ? `· next phase ${next.id} at ${formatOffset(next.atMs)}` : '',
      state.speed !== 1 ? `· ×${state.speed}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    this.#write(
      `${CLEAR}${header}\n${formatStatus(this.plan, state, now, this.#style)}\n\n${this.#style.bold('latest')}\n${this.#recent.join('\n')}\n`,
    );
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.draw();
  }
}
