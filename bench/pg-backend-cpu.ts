import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time spent so far by the PostgreSQL backends serving the bench databases (their process titles name the
 * database: `tminus_bench_pg_`, copies included), from `/proc/<pid>/schedstat` (nanoseconds; the `stat` ticks
 * are 10 ms, too coarse for a few statements). On a loaded machine wall time mostly measures the queue for a
 * core; the backends' CPU time measures the work itself. A backend that has ended keeps the time it was last
 * seen with: pools close idle sessions, which would otherwise take their whole past CPU out of the sum in the
 * middle of a measurement. Sample at the start and end of every measurement, so a session's work is seen
 * before it can end.
 */
export class BackendCpu {
  /** Last time seen per backend, by process id and start time (a reused pid is another backend). */
  readonly #seen = new Map<string, number>();
  /** Last system time (ms, 10 ms ticks) and minor page faults seen per backend, keyed as `#seen`. */
  readonly #kernel = new Map<string, { sysMs: number; faults: number }>();

  constructor(readonly titlePart = 'tminus_bench_pg_') {}

  /** CPU milliseconds of the matching backends so far, or NaN when /proc cannot be read. */
  ms(): number {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    } catch {
      return NaN;
    }
    for (const pid of pids) {
      try {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!title.startsWith('postgres: ') || !title.includes(this.titlePart)) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
        const id = `${pid}/${stat[19]}`;
        this.#seen.set(id, ns / 1e6);
        // minflt and stime (fields 10 and 15 of stat; counted here from after the name).
        this.#kernel.set(id, { sysMs: Number(stat[12]) * 10, faults: Number(stat[7]) });
      } catch {
        // the process ended meanwhile
      }
    }
    let ms = 0;
    for (const t of this.#seen.values()) ms += t;
    return ms;
  }

  /**
   * The matching backends' system time (ms, in 10 ms ticks) and minor page faults so far, as seen by the last
   * `ms()`: how much of their time went to the kernel — on this virtual machine, mostly pages a scan without a
   * buffer ring writes into shared buffers (docs/benchmarks.md, "Issue #11 on this boot").
   */
  kernel(): { sysMs: number; faults: number } {
    let sysMs = 0;
    let faults = 0;
    for (const k of this.#kernel.values()) {
      sysMs += k.sysMs;
      faults += k.faults;
    }
    return { sysMs, faults };
  }

  /** The same in seconds. */
  seconds(): number {
    return this.ms() / 1000;
  }
}
