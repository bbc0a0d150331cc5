/** How a load balancer treats one server (HAProxy wording; other providers map onto it). */
export type ServerAdminState = 'ready' | 'drain' | 'maint';

/** The routing-relevant settings of one server or target group. */
export interface ServerSetting {
  readonly weight: number;
  readonly state: ServerAdminState;
}

/** Settings by server name (HAProxy server, nginx server label, ALB target-group label). */
export type ServerSettings = Readonly<Record<string, ServerSetting>>;

/** A change to one server: unspecified fields stay as they are. */
export interface ServerChange {
  readonly weight?: number;
  readonly state?: ServerAdminState;
}

/**
 * One load balancer's traffic controls, as the traffic actions see them. `read` is side-effect free;
 * `apply` changes only what differs and must leave the balancer in the requested state or throw.
 */
export interface TrafficProvider {
  /** e.g. `haproxy backend app via /run/haproxy/admin.sock`. */
  readonly target: string;
  /** Largest weight the balancer accepts. */
  readonly maxWeight: number;
  /** Current settings of every server the provider manages. */
  read(signal: AbortSignal): Promise<ServerSettings>;
  /** Applies the changes (the caller has already left out what is unchanged). */
  apply(changes: Readonly<Record<string, ServerChange>>, signal: AbortSignal): Promise<void>;
  /**
   * Makes the current runtime state survive a reload (HAProxy `server-state-file`). Also called when nothing
   * changed, because the file may be older than the runtime state someone else set.
   */
  persist?(signal: AbortSignal): Promise<void>;
  /** Backup servers (used only when every other server is out): not application servers. */
  backupServers?(signal: AbortSignal): Promise<ReadonlySet<string>>;
  /** Which servers are actually taking traffic now (HAProxy: up after their health checks). */
  serving?(signal: AbortSignal): Promise<Readonly<Record<string, boolean>>>;
  /** Sessions still open on each server (HAProxy `show stat` scur), to wait for a drain to finish. */
  activeSessions?(signal: AbortSignal): Promise<Readonly<Record<string, number>>>;
}

/** The servers whose setting differs from the desired one, with only the differing fields. */
export function diffSettings(
  current: ServerSettings,
  desired: Readonly<Record<string, ServerChange>>,
): Record<string, ServerChange> {
  const changes: Record<string, ServerChange> = {};
  for (const [name, want] of Object.entries(desired)) {
    const have = current[name];
    const change: { weight?: number; state?: ServerSetting['state'] } = {};
    if (want.weight !== undefined && have?.weight !== want.weight) change.weight = want.weight;
    if (want.state !== undefined && have?.state !== want.state) change.state = want.state;
    if (change.weight !== undefined || change.state !== undefined) changes[name] = change;
  }
  return changes;
}

/** `legacy 100/ready, new 0/maint` — for summaries and plans. */
export function describeSetting(setting: ServerSetting | undefined): string {
  if (!setting) return 'absent';
  return setting.state === 'ready'
    ? `weight ${setting.weight}`
    : `weight ${setting.weight}, ${setting.state}`;
}
