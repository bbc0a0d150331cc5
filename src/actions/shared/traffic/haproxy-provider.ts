import { rename, writeFile } from 'node:fs/promises';
import { TminusError } from '../../../core/tminus-error.js';
import { HaproxyRuntime, type HaproxyEndpoint } from './haproxy-runtime.js';
import type { ServerChange, ServerSettings, TrafficProvider } from './traffic-provider.js';

export interface HaproxyProviderOptions {
  readonly endpoint: HaproxyEndpoint;
  readonly backend: string;
  /**
   * HAProxy's `server-state-file`: after every change the whole `show servers state` is saved there, so a
   * reload with `load-server-state-from-file` keeps the weights and states instead of resetting them to the
   * config file (haproxy#199).
   */
  readonly stateFile?: string;
  readonly timeoutMs?: number;
}

/** Weights and drain/maint through HAProxy's runtime API, verified with `show servers state`. */
export class HaproxyProvider implements TrafficProvider {
  readonly maxWeight = 256;
  readonly #runtime: HaproxyRuntime;

  constructor(private readonly options: HaproxyProviderOptions) {
    this.#runtime = new HaproxyRuntime(options.endpoint, options.timeoutMs);
  }

  get target(): string {
    return `haproxy backend ${this.options.backend} via ${this.#runtime.description}`;
  }

  async read(signal: AbortSignal): Promise<ServerSettings> {
    const rows = await this.#runtime.serversState(this.options.backend, signal);
    return Object.fromEntries(rows.map((r) => [r.server, { weight: r.weight, state: r.state }]));
  }

  async apply(changes: Readonly<Record<string, ServerChange>>, signal: AbortSignal): Promise<void> {
    const unsafe = [this.options.backend, ...Object.keys(changes)].filter(
      (n) => !/^[A-Za-z0-9_.:-]+$/.test(n),
    );
    if (unsafe.length > 0) {
      // Names end up in runtime API commands, where ';' or a newline would start another command.
      throw new TminusError(
        'TRAFFIC_BAD_TARGET',
        `unsafe HAProxy name(s): ${unsafe.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    const known = await this.read(signal);
    const unknown = Object.keys(changes).filter((name) => !(name in known));
    if (unknown.length > 0) {
      throw new TminusError(
        'TRAFFIC_BAD_TARGET',
        `HAProxy backend '${this.options.backend}' has no server ${unknown.map((n) => `'${n}'`).join(', ')}`,
        { hint: `its servers are: ${Object.keys(known).join(', ') || '(none)'}` },
      );
    }
    // Weights first, then states: a server leaving maintenance should come back with its new weight, and
    // one entering drain keeps the weight it had for its persistent sessions.
    const be = this.options.backend;
    for (const [name, change] of Object.entries(changes)) {
      if (change.weight !== undefined) {
        await this.#runtime.mustSucceed(`set server ${be}/${name} weight ${change.weight}`, signal);
      }
    }
    for (const [name, change] of Object.entries(changes)) {
      if (change.state !== undefined) {
        await this.#runtime.mustSucceed(`set server ${be}/${name} state ${change.state}`, signal);
      }
    }
    await this.persist(signal);
  }

  async serving(signal: AbortSignal): Promise<Record<string, boolean>> {
    const rows = await this.#runtime.serversState(this.options.backend, signal);
    // Leaving maintenance, HAProxy marks a server running before its first check: with a check configured,
    // only a passed check proves it can answer (observed on 2.6: running, then down a check later).
    return Object.fromEntries(
      rows.map((r) => [
        r.server,
        r.operational === 2 &&
          r.state !== 'maint' &&
          (!r.checked || r.checkResult === 3 || r.checkResult === 4),
      ]),
    );
  }

  /** One column of `show stat` (CSV) for every server of the backend. */
  async #statColumn(column: string, signal: AbortSignal): Promise<Record<string, string>> {
    const csv = await this.#runtime.command('show stat', signal);
    const lines = csv.split('\n').filter((l) => l.trim() !== '');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const [px, sv, value] = ['pxname', 'svname', column].map((c) => header.indexOf(c));
    if (px === undefined || sv === undefined || value === undefined || px < 0 || sv < 0 || value < 0) {
      throw new TminusError('TRAFFIC_REJECTED', `unexpected answer to 'show stat': '${csv.slice(0, 120)}'`);
    }
    const result: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      const server = f[sv] ?? '';
      if (f[px] === this.options.backend && server !== 'BACKEND' && server !== 'FRONTEND') {
        result[server] = f[value] ?? '';
      }
    }
    return result;
  }

  async activeSessions(signal: AbortSignal): Promise<Record<string, number>> {
    const scur = await this.#statColumn('scur', signal);
    return Object.fromEntries(Object.entries(scur).map(([s, v]) => [s, Number(v || 0)]));
  }

  async backupServers(signal: AbortSignal): Promise<Set<string>> {
    const bck = await this.#statColumn('bck', signal);
    return new Set(Object.entries(bck).flatMap(([s, v]) => (v === '1' ? [s] : [])));
  }

  async persist(signal: AbortSignal): Promise<void> {
    if (this.options.stateFile) await this.saveState(this.options.stateFile, signal);
  }

  /** Writes `show servers state` (all backends) to the file atomically, for `load-server-state-from-file`. */
  async saveState(path: string, signal: AbortSignal): Promise<void> {
    const text = await this.#runtime.command('show servers state', signal);
    if (!text.startsWith('1\n')) {
      throw new TminusError('TRAFFIC_REJECTED', `HAProxy gave no server state to save: '${text.trim()}'`);
    }
    const temp = `${path}.tminus-tmp`;
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } catch (error) {
      throw new TminusError('TRAFFIC_NOT_APPLIED', `cannot save the HAProxy server state to ${path}`, {
        cause: error,
        hint: 'the runtime change is live, but a reload would reset it: check the directory is writable',
      });
    }
  }
}
