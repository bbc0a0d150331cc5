import { execFile } from 'node:child_process';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { TminusError } from '../../../core/tminus-error.js';
import { childPids, findPidFile, masterPid } from './nginx-workers.js';
import type {
  ServerAdminState,
  ServerChange,
  ServerSetting,
  ServerSettings,
  TrafficProvider,
} from './traffic-provider.js';

export interface NginxProviderOptions {
  /** The include file holding the whole `upstream` block; tminus owns it and rewrites it. */
  readonly file: string;
  readonly upstream: string;
  /** Server label → `host:port` (nginx servers have no names, so tminus labels them in comments). */
  readonly servers: Readonly<Record<string, string>>;
  /** Labels of `backup` servers (e.g. a maintenance page used when every other server is down). */
  readonly backup?: readonly string[];
  /** Extra directives inside the block, e.g. `keepalive 16`. */
  readonly directives?: readonly string[];
  /** The nginx binary and the arguments selecting its configuration (`-c`, `-p`), for `-t` and `-s reload`. */
  readonly binary: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** The master's pid file, to wait for the new workers; default: the `pid` directive of the `-c` file. */
  readonly pidFile?: string | undefined;
}

const MARKER = /#\s*tminus:(\S+)\s+weight=(\d+)\s+state=(ready|drain|maint)/;

function run(
  binary: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ ok: boolean; output: string; code?: string }> {
  return new Promise((resolve) => {
    execFile(binary, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      resolve(
        error
          ? { ok: false, output, code: (error as NodeJS.ErrnoException).code?.toString() ?? '' }
          : { ok: true, output },
      );
    });
  });
}

/**
 * nginx OSS has no runtime API: tminus writes the upstream block to an include file (weights, `down`,
 * `backup`), checks the whole configuration with `nginx -t`, and reloads. A bad configuration is put back
 * and never reloaded. The state lives in the file, so it survives reloads and restarts; the cost is that a
 * reload closes idle keep-alive connections, and a request racing that close can get a reset (nginx PR #437).
 */
export class NginxProvider implements TrafficProvider {
  readonly maxWeight = 1000;

  constructor(private readonly options: NginxProviderOptions) {}

  get target(): string {
    return `nginx upstream ${this.options.upstream} in ${this.options.file}`;
  }

  async read(): Promise<ServerSettings> {
    const text = await this.#readFile();
    const fromFile = new Map<string, ServerSetting>();
    for (const line of (text ?? '').split('\n')) {
      const m = MARKER.exec(line);
      if (m?.[1]) fromFile.set(m[1], { weight: Number(m[2]), state: m[3] as ServerAdminState });
    }
    // A server not yet written to the file is treated as down: it receives nothing until a shift says so.
    return Object.fromEntries(
      Object.keys(this.options.servers).map((name) => [
        name,
        fromFile.get(name) ?? { weight: 0, state: 'ready' },
      ]),
    );
  }

  async apply(changes: Readonly<Record<string, ServerChange>>): Promise<void> {
    const current = await this.read();
    const next: Record<string, ServerSetting> = { ...current };
    for (const [name, change] of Object.entries(changes)) {
      const have = current[name] ?? { weight: 0, state: 'ready' as const };
      next[name] = { weight: change.weight ?? have.weight, state: change.state ?? have.state };
    }
    const previous = await this.#readFile();
    await this.#write(this.render(next));
    const test = await run(this.options.binary, ['-t', ...this.options.args], this.options.timeoutMs);
    if (!test.ok) {
      await this.#restore(previous);
      if (test.code === 'ENOENT') {
        throw new TminusError('TRAFFIC_UNREACHABLE', `nginx binary '${this.options.binary}' not found`);
      }
      throw new TminusError(
        'NGINX_CONFIG_INVALID',
        `nginx -t rejected the configuration with the new ${this.options.file}: ${test.output}`,
        {
          hint: 'the previous upstream file was put back and nginx was not reloaded',
        },
      );
    }
    const pidFile = await findPidFile(this.options.args, this.options.pidFile);
    const master = pidFile === undefined ? undefined : await masterPid(pidFile);
    const oldWorkers = master === undefined ? undefined : await childPids(master);
    const reload = await run(
      this.options.binary,
      ['-s', 'reload', ...this.options.args],
      this.options.timeoutMs,
    );
    if (!reload.ok) {
      await this.#restore(previous);
      throw new TminusError('TRAFFIC_UNREACHABLE', `nginx -s reload failed: ${reload.output}`, {
        hint: 'is nginx running with this configuration (its pid file)? the previous upstream file was put back',
      });
    }
    if (master !== undefined && oldWorkers !== undefined) await this.#awaitNewWorkers(master, oldWorkers);
  }

  /**
   * `nginx -s reload` only sends a signal: until the master has started workers with the new configuration,
   * the old ones still take new connections. Wait for them, then give the old workers a moment to stop
   * accepting (they finish in-flight requests on their own).
   */
  async #awaitNewWorkers(master: number, oldWorkers: ReadonlySet<number>): Promise<void> {
    const deadline = performance.now() + this.options.timeoutMs;
    while (performance.now() < deadline) {
      const now = await childPids(master);
      if ([...now].some((pid) => !oldWorkers.has(pid))) {
        const settle = Math.min(deadline, performance.now() + 2_000);
        while (
          performance.now() < settle &&
          [...(await childPids(master))].some((pid) => oldWorkers.has(pid))
        ) {
          await new Promise((r) => setTimeout(r, 20));
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new TminusError(
      'TRAFFIC_NOT_APPLIED',
      `nginx (master ${master}) did not start new workers within ${this.options.timeoutMs} ms of the reload`,
      {
        hint: 'check the nginx error log',
      },
    );
  }

  backupServers(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.options.backup ?? []));
  }

  /** The upstream block for these settings; `down` stands for weight 0, drain and maint alike. */
  render(settings: ServerSettings): string {
    const backup = new Set(this.options.backup ?? []);
    const lines = Object.entries(this.options.servers).map(([name, address]) => {
      const s = settings[name] ?? { weight: 0, state: 'ready' };
      const params = [`server ${address}`];
      if (s.weight > 0) params.push(`weight=${s.weight}`);
      if (s.weight === 0 || s.state !== 'ready') params.push('down');
      if (backup.has(name)) params.push('backup');
      return `    ${params.join(' ')}; # tminus:${name} weight=${s.weight} state=${s.state}`;
    });
    return [
      '# Written by tminus (traffic.shift / traffic.maintenance). Edits by hand are overwritten.',
      `upstream ${this.options.upstream} {`,
      ...lines,
      ...(this.options.directives ?? []).map((d) => `    ${d.replace(/;\s*$/, '')};`),
      '}',
      '',
    ].join('\n');
  }

  async #readFile(): Promise<string | undefined> {
    try {
      return await readFile(this.options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TminusError('TRAFFIC_UNREACHABLE', `cannot read ${this.options.file}`, { cause: error });
    }
  }

  async #write(text: string): Promise<void> {
    const temp = `${this.options.file}.tminus-tmp`;
    try {
      await writeFile(temp, text);
      await rename(temp, this.options.file);
    } catch (error) {
      throw new TminusError(
        'TRAFFIC_NOT_APPLIED',
        `cannot write ${this.options.file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async #restore(previous: string | undefined): Promise<void> {
    if (previous === undefined) await rm(this.options.file, { force: true });
    else await this.#write(previous);
  }
}
