import { createParser } from 'eventsource-parser';
import { formatDuration } from '../core/plan/duration.js';
import { formatOffset } from '../core/plan/offset.js';
import type { PersonCommand } from '../core/run/run-commands.js';
import { TminusError } from '../core/tminus-error.js';
import type { ErrorCode } from '../core/tminus-error.js';
import type { RunView } from '../core/run/run-view.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './cli-io.js';
import { createStyle } from './style.js';

/** A war-room server the CLI talks to instead of opening the store (`--server URL`, `TMINUS_TOKEN`). */
export interface Remote {
  readonly url: string;
  readonly token: string;
}

/** The server to use, if `--server` or `TMINUS_SERVER` names one; it needs `TMINUS_TOKEN`. */
export function remoteOf(options: { server?: string }, io: CliIo): Remote | undefined {
  const server = options.server ?? io.env.TMINUS_SERVER;
  if (!server) return undefined;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new TminusError('USAGE', `--server: '${server}' is not a URL`, {
      hint: 'e.g. http://127.0.0.1:7070',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TminusError('USAGE', `--server: '${server}' is not an http(s) URL`);
  }
  const token = io.env.TMINUS_TOKEN;
  if (!token) {
    throw new TminusError('USAGE', 'talking to a server needs a token in TMINUS_TOKEN', {
      hint: 'ask a run lead: tminus token create --as YOU',
    });
  }
  return { url: url.toString().replace(/\/$/, ''), token };
}

async function call<T>(
  remote: Remote,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${remote.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${remote.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new TminusError(
      'USAGE',
      `cannot reach the war room at ${remote.url}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
    throw new TminusError(
      (e?.code as ErrorCode | undefined) ?? 'INTERNAL',
      e?.message ?? `${remote.url} answered ${res.status}`,
      e?.hint ? { hint: e.hint } : {},
    );
  }
  return parsed as T;
}

async function runIdOf(remote: Remote, runId: string | undefined): Promise<string> {
  if (runId) return runId;
  const { runs } = await call<{ runs: { runId: string; ended: boolean }[] }>(remote, 'GET', '/api/runs');
  const chosen = runs.find((r) => !r.ended) ?? runs[0];
  if (!chosen) throw new TminusError('RUN_NOT_FOUND', `no runs on ${remote.url}`);
  return chosen.runId;
}

const route = (cmd: PersonCommand): { path: string; body: Record<string, unknown> } => {
  const r = 'reason' in cmd && cmd.reason ? { reason: cmd.reason } : {};
  switch (cmd.kind) {
    case 'complete':
    case 'fail':
    case 'skip':
    case 'retry':
      return { path: `/tasks/${encodeURIComponent(cmd.stepId)}/${cmd.kind}`, body: r };
    case 'vote':
      return { path: `/gates/${encodeURIComponent(cmd.gateId)}/votes`, body: { vote: cmd.vote, ...r } };
    case 'sign':
      return {
        path: `/checklist/${encodeURIComponent(cmd.itemId)}/sign`,
        body: cmd.note ? { note: cmd.note } : {},
      };
    case 'pause':
    case 'abort':
    case 'rollback':
      return { path: `/${cmd.kind}`, body: r };
    case 'unpause':
      return { path: '/resume', body: r };
    case 'rebaseline':
      return { path: '/rebaseline', body: { goLive: new Date(cmd.goLiveMs).toISOString(), ...r } };
    case 'pull':
      return { path: `/phases/${encodeURIComponent(cmd.phaseId)}/pull`, body: r };
  }
};

/** A person command through the server, as the token's person (`--as` must agree if given). */
export async function remoteAct(
  remote: Remote,
  options: { run?: string; as?: string },
  io: CliIo,
  command: PersonCommand | ((now: number) => PersonCommand),
): Promise<number> {
  if (options.as !== undefined) {
    const me = await call<{ person: string }>(remote, 'GET', '/api/me');
    if (me.person !== options.as) {
      throw new TminusError('USAGE', `--as ${options.as}: the token in TMINUS_TOKEN acts as ${me.person}`, {
        hint: 'with --server the token says who acts; drop --as or use that person’s token',
      });
    }
  }
  const runId = await runIdOf(remote, options.run);
  const cmd = typeof command === 'function' ? command(io.now()) : command;
  const { path, body } = route(cmd);
  const answer = await call<{ events: { text: string }[] }>(
    remote,
    'POST',
    `/api/runs/${encodeURIComponent(runId)}${path}`,
    body,
  );
  for (const e of answer.events) io.stdout.write(`${e.text}\n`);
  return EXIT.ok;
}

/** `tminus status --server`: the server's view of the run. */
export async function remoteStatus(
  remote: Remote,
  options: { run?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const runId = await runIdOf(remote, options.run);
  const view = await call<RunView>(remote, 'GET', `/api/runs/${encodeURIComponent(runId)}`);
  if (options.json) {
    io.stdout.write(JSON.stringify(view, null, 2) + '\n');
    return EXIT.ok;
  }
  const style = createStyle(io.stdout);
  const { run, clock } = view;
  const out = [
    `${style.bold(run.title)}  run ${run.id} (${run.mode}${run.dryRun ? ', dry run' : ''})  ${run.status}${run.outcome ? `: ${style.bold(run.outcome)}` : ''}`,
    `  now ${formatOffset(clock.nowMs - run.goLiveMs)}   T-0 ${new Date(run.goLiveMs).toISOString()}${view.schedule.pointOfNoReturnMs === null ? '' : `   point of no return ${formatOffset(view.schedule.pointOfNoReturnMs)}`}`,
  ];
  for (const phase of view.phases) {
    out.push(
      style.bold(`${phase.id} @ ${formatOffset(phase.atMs)}${phase.pulled ? ' (pulled forward)' : ''}`),
    );
    for (const id of phase.taskIds) {
      const t = view.tasks.find((x) => x.id === id);
      if (!t) continue;
      const by = t.state.by && t.state.by !== 'system' ? ` (${t.state.by})` : '';
      out.push(
        `  ${t.id.padEnd(24)} ${t.state.status}${by}${t.lateMs > 0 ? style.warning(` late ${formatDuration(t.lateMs)}`) : ''}`,
      );
    }
  }
  if (run.rollback) out.push(style.warning(`rollback (${run.rollback.by}): ${run.rollback.reason}`));
  if (view.owed.length > 0) {
    out.push(style.bold('waiting for'));
    for (const o of view.owed) out.push(`  ${o.step}: ${o.who.join(', ') || 'a run lead'} — ${o.what}`);
  }
  io.stdout.write(out.join('\n') + '\n');
  return EXIT.ok;
}

/** `tminus log --server [--follow]`: events from the server; --follow reads its live stream to the end. */
export async function remoteLog(
  remote: Remote,
  options: { run?: string; json?: boolean; follow?: boolean },
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const runId = await runIdOf(remote, options.run);
  type Ev = {
    seq: number;
    atMs: number;
    actor: string;
    type: string;
    text: string;
    data: Record<string, unknown>;
  };
  const print = (e: Ev) =>
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ seq: e.seq, at: new Date(e.atMs).toISOString(), actor: e.actor, ...e.data })}\n`
        : `#${e.seq} ${new Date(e.atMs).toISOString().slice(0, 19)}Z  ${e.text}\n`,
    );
  if (!options.follow) {
    let after = 0;
    for (;;) {
      const batch = await call<Ev[]>(
        remote,
        'GET',
        `/api/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=1000`,
      );
      batch.forEach(print);
      if (batch.length < 1000) return EXIT.ok;
      after = batch.at(-1)!.seq;
    }
  }
  const res = await fetch(`${remote.url}/api/runs/${encodeURIComponent(runId)}/stream`, {
    headers: { Authorization: `Bearer ${remote.token}`, Accept: 'text/event-stream' },
    ...(signal ? { signal } : {}),
  });
  if (!res.ok || !res.body) return call(remote, 'GET', `/api/runs/${encodeURIComponent(runId)}/stream`);
  let ended = false;
  const parser = createParser({
    onEvent: (m) => {
      if (m.event !== 'run-event') return;
      const e = JSON.parse(m.data) as Ev;
      print(e);
      if (e.type === 'run.ended') ended = true;
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (ended) break;
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  return EXIT.ok;
}
