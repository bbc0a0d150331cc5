import { useEffect, useMemo, useState } from 'preact/hooks';
import type { LogEvent, Me, RunView, StreamStatus, TaskView } from './api.js';
import { api, followRun } from './api.js';
import type { TaskAction } from './allowed-actions.js';
import { isLead } from './allowed-actions.js';
import { ChecklistPanel } from './checklist-panel.js';
import { Countdown } from './countdown.js';
import { EventLog } from './event-log.js';
import { GatePanel } from './gate-panel.js';
import { measurementsOf } from './monitor-chart.js';
import { MonitorsPanel } from './monitors-panel.js';
import type { ReasonRequest } from './reason-dialog.js';
import { ReasonDialog } from './reason-dialog.js';
import { TaskBoard } from './task-board.js';
import { Timeline } from './timeline.js';
import { WatchPanel } from './watch-panel.js';

/** One run, live: countdown, go/no-go, tasks, timeline, readiness, monitors, rollback and the log. */
export function RunPage({
  token,
  me,
  runId,
  onSignOut,
}: {
  token: string;
  me: Me;
  runId: string;
  onSignOut: (why?: string) => void;
}) {
  const [view, setView] = useState<{ v: RunView; atWall: number } | undefined>();
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [dialog, setDialog] = useState<ReasonRequest | undefined>();
  const [notice, setNotice] = useState<{ text: string; bad: boolean } | undefined>();
  const [wall, setWall] = useState(Date.now());
  const measurements = useMemo(() => measurementsOf(events), [events]);

  useEffect(() => {
    setEvents([]);
    return followRun(token, runId, {
      view: (v) => setView({ v, atWall: Date.now() }),
      event: (e) => setEvents((list) => [...list, e]),
      status: setStatus,
      unauthorized: (m) => onSignOut(m),
    });
  }, [token, runId]);
  useEffect(() => {
    if (!notice || notice.bad) return;
    const t = setTimeout(() => setNotice(undefined), 8_000);
    return () => clearTimeout(t);
  }, [notice]);
  useEffect(() => {
    const t = setInterval(() => setWall(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  if (!view) return <p class="loading">connecting to run {runId}…</p>;
  const v = view.v;
  const nowMs = v.clock.ticking ? v.clock.nowMs + (wall - view.atWall) * v.clock.speed : v.clock.nowMs;
  const base = `/api/runs/${encodeURIComponent(runId)}`;
  const post = async (path: string, body: unknown) => {
    try {
      const r = await api<{ events: LogEvent[] }>(token, 'POST', `${base}${path}`, body);
      setNotice({ text: r.events.map((e) => e.text).join('; '), bad: false });
    } catch (err) {
      setNotice({ text: (err as Error).message, bad: true });
      throw err;
    }
  };
  const onAct = (t: TaskView, a: TaskAction) => {
    const path = `/tasks/${encodeURIComponent(t.id)}/${a}`;
    if (a === 'complete' || a === 'retry') {
      void post(path, {}).catch(() => undefined);
      return;
    }
    setDialog({
      title: `${a === 'skip' ? 'Skip' : 'Mark failed'}: ${t.title}`,
      confirm: a === 'skip' ? 'Skip task' : 'Mark failed',
      required: a === 'skip',
      danger: a === 'fail',
      onSubmit: (reason) => post(path, reason ? { reason } : {}),
    });
  };
  const onVote = (t: TaskView, vote: 'go' | 'no-go') => {
    const path = `/gates/${encodeURIComponent(t.id)}/votes`;
    if (vote === 'go') {
      void post(path, { vote }).catch(() => undefined);
      return;
    }
    setDialog({
      title: `Vote NO-GO on ${t.title}`,
      detail: 'A no-go stops the run cleanly. Say what is not ready.',
      confirm: 'Vote NO-GO',
      required: true,
      danger: true,
      onSubmit: (reason) => post(path, { vote, reason }),
    });
  };
  const lead = isLead(v, me);
  const rollback = () =>
    setDialog({
      title: 'Start the rollback',
      detail: `Forward work stops and the ${v.rollbackSteps.length} rollback step(s) run. This cannot be undone.`,
      confirm: 'Roll back now',
      required: true,
      typeToConfirm: 'ROLLBACK',
      danger: true,
      onSubmit: (reason) => post('/rollback', { reason }),
    });
  const declare = (c: RunView['watch']['criteria'][number]) =>
    setDialog({
      title: `Declare: ${c.title}`,
      detail: 'The criterion fires like any other: the run leads are asked to continue or roll back.',
      confirm: 'Declare',
      required: true,
      danger: true,
      onSubmit: (reason) => post('/declare', { what: 'criterion', criterionId: c.id, reason }),
    });
  const decide = (c: RunView['watch']['criteria'][number], decision: 'continue' | 'rollback') => {
    const pastPonr =
      v.schedule.pointOfNoReturnMs !== null && nowMs >= v.run.goLiveMs + v.schedule.pointOfNoReturnMs;
    setDialog({
      title: decision === 'rollback' ? `Roll back for: ${c.title}` : `Continue despite: ${c.title}`,
      detail:
        decision === 'rollback'
          ? `Forward work stops and the rollback steps run.${pastPonr ? ' The point of no return has passed: this overrides it.' : ''}`
          : 'The run goes on; the decision and your reason are recorded.',
      confirm: decision === 'rollback' ? 'Roll back now' : 'Continue',
      required: true,
      danger: decision === 'rollback',
      ...(decision === 'rollback' ? { typeToConfirm: 'ROLLBACK' } : {}),
      onSubmit: (reason) =>
        post(`/criteria/${encodeURIComponent(c.id)}/decision`, {
          decision,
          reason,
          ...(decision === 'rollback' && pastPonr ? { override: true } : {}),
        }),
    });
  };
  const declareSuccess = () =>
    setDialog({
      title: 'Declare the go-live a success',
      detail: 'Needed as a reason unless every monitor already finished successful.',
      confirm: 'Declare success',
      required: false,
      onSubmit: (reason) => post('/declare', { what: 'success', ...(reason ? { reason } : {}) }),
    });
  return (
    <main class="run-page">
      <header class="run-header">
        <div>
          <a href="#/" class="muted small">
            ← runs
          </a>
          <h1>{v.run.title}</h1>
          <span class="muted small">
            {v.run.id} · T-0 {new Date(v.run.goLiveMs).toLocaleString()}
          </span>
        </div>
        <div class="who">
          <span class={`conn ${status}`} data-testid="connection">
            {status === 'live' ? '● live' : status === 'reconnecting' ? '○ reconnecting…' : '○ connecting…'}
          </span>
          <span data-testid="signed-in">
            {me.person} {me.role === 'viewer' ? <span class="pill s-pending">read-only</span> : null}
          </span>
          <button onClick={() => onSignOut()}>Sign out</button>
        </div>
      </header>
      {notice && (
        <p
          class={`notice ${notice.bad ? 'error' : 'ok'}`}
          role={notice.bad ? 'alert' : 'status'}
          data-testid="notice"
        >
          {notice.text}
          <button class="link" onClick={() => setNotice(undefined)} aria-label="dismiss">
            ×
          </button>
        </p>
      )}
      {v.run.rollback && (
        <p class="banner bad" data-testid="rollback-banner">
          ROLLBACK started by {v.run.rollback.by}: {v.run.rollback.reason}
        </p>
      )}
      {v.watch.criteria
        .filter((c) => c.fired && !c.decision)
        .map((c) => (
          <p class="banner warn" key={c.id}>
            criterion {c.id} fired: {c.fired!.detail} — a run lead decides
          </p>
        ))}
      <Countdown view={v} nowMs={nowMs} />
      {lead && (
        <div class="lead-controls">
          {v.run.status === 'paused' ? (
            <button onClick={() => void post('/resume', {}).catch(() => undefined)}>Resume run</button>
          ) : (
            <button onClick={() => void post('/pause', {}).catch(() => undefined)}>Pause run</button>
          )}
          {!v.run.rollback && (
            <button class="danger big-button" onClick={rollback} data-action="rollback">
              Roll back…
            </button>
          )}
        </div>
      )}
      {v.owed.length > 0 && (
        <section class="panel owed" aria-label="waiting for">
          <h2>Waiting for</h2>
          <ul>
            {v.owed.map((o) => (
              <li key={o.step} class={o.who.includes(me.person) ? 'mine' : ''}>
                <strong>{o.step}</strong>: {o.who.join(', ') || 'a run lead'} — {o.what}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="grid">
        <GatePanel view={v} me={me} nowMs={nowMs} onVote={onVote} />
        <ChecklistPanel
          view={v}
          me={me}
          onSign={(c) => void post(`/checklist/${encodeURIComponent(c.id)}/sign`, {}).catch(() => undefined)}
        />
        <WatchPanel view={v} me={me} onDeclare={declare} onDecide={decide} onSuccess={declareSuccess} />
        <MonitorsPanel view={v} measurements={measurements} />
      </div>
      <TaskBoard view={v} me={me} onAct={onAct} />
      <Timeline view={v} nowMs={nowMs} />
      <EventLog events={events} goLiveMs={v.run.goLiveMs} />
      {dialog && <ReasonDialog request={dialog} onClose={() => setDialog(undefined)} />}
    </main>
  );
}
