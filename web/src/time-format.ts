/** `2h05m`, `45s`: a duration for people on a bridge call. */
export function human(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** `T-1h30m`, `T+5m`, `T-0`: a time relative to go-live. */
export function offset(ms: number): string {
  if (Math.abs(ms) < 1000) return 'T-0';
  return `T${ms < 0 ? '-' : '+'}${human(ms)}`;
}

/** `02:15:07` local wall time. */
export const clockTime = (epochMs: number): string =>
  new Date(epochMs).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
