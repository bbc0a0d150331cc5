import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Me } from './api.js';
import { api } from './api.js';
import { RunPage } from './run-page.js';
import './style.css';

const KEY = 'tminus.token';

interface RunSummary {
  runId: string;
  planName: string;
  createdAtMs: number;
  ended: boolean;
}

function SignIn({ onToken, why }: { onToken: (t: string) => void; why?: string | undefined }) {
  const [text, setText] = useState('');
  return (
    <main class="sign-in">
      <h1>tminus war room</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) onToken(text.trim());
        }}
      >
        <label>
          Your token
          <input
            name="token"
            type="password"
            value={text}
            autoComplete="off"
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
            placeholder="tmn_…"
          />
        </label>
        <button class="primary" type="submit">
          Sign in
        </button>
        {why && (
          <p class="error" role="alert">
            {why}
          </p>
        )}
        <p class="muted small">
          A run lead creates it with <code>tminus token create --as YOU</code> (read-only:{' '}
          <code>--role viewer</code>).
        </p>
      </form>
    </main>
  );
}

function RunList({ token }: { token: string }) {
  const [runs, setRuns] = useState<RunSummary[] | undefined>();
  useEffect(() => {
    void api<{ runs: RunSummary[] }>(token, 'GET', '/api/runs').then((r) => setRuns(r.runs));
  }, [token]);
  if (!runs) return <p class="loading">loading runs…</p>;
  return (
    <main class="run-list">
      <h1>Runs</h1>
      {runs.length === 0 && <p class="muted">No runs yet: start one with `tminus run PLAN`.</p>}
      <ul>
        {runs.map((r) => (
          <li key={r.runId}>
            <a href={`#/runs/${encodeURIComponent(r.runId)}`} data-run={r.runId}>
              <strong>{r.planName}</strong> {r.runId}
            </a>{' '}
            <span class={`pill ${r.ended ? 's-succeeded' : 's-running'}`}>
              {r.ended ? 'ended' : 'active'}
            </span>{' '}
            <span class="muted small">{new Date(r.createdAtMs).toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}

const route = () => /^#\/runs\/([^/]+)/.exec(location.hash)?.[1];

function App() {
  const [token, setToken] = useState<string | undefined>(() => localStorage.getItem(KEY) ?? undefined);
  const [me, setMe] = useState<Me | undefined>();
  const [why, setWhy] = useState<string | undefined>();
  const [runId, setRunId] = useState(route());
  useEffect(() => {
    const on = () => setRunId(route());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    if (!token) return;
    api<Me>(token, 'GET', '/api/me')
      .then((m) => {
        localStorage.setItem(KEY, token);
        setMe(m);
      })
      .catch((e: Error) => signOut(e.message));
  }, [token]);
  const signOut = (message?: string) => {
    localStorage.removeItem(KEY);
    setToken(undefined);
    setMe(undefined);
    setWhy(message);
  };
  if (!token) return <SignIn onToken={(t) => (setWhy(undefined), setToken(t))} why={why} />;
  if (!me) return <p class="loading">signing in…</p>;
  if (!runId) return <RunList token={token} />;
  return <RunPage token={token} me={me} runId={decodeURIComponent(runId)} onSignOut={signOut} />;
}

render(<App />, document.getElementById('app')!);
