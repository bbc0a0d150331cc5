/**
 * The action vocabulary of plan format v1 (SPEC §4). Validation checks `action:` against it; the engine's
 * registry supplies the implementations and their parameter schemas.
 */
export const ACTION_TYPES = [
  'shell',
  'http.check',
  'tcp.check',
  'tls.check',
  'dns.query',
  'dns.verify',
  'dns.update',
  'dns.lower-ttl',
  'traffic.shift',
  'traffic.maintenance',
  'metrics.query',
  'sql.query',
  'sql.assert',
  'data.compare',
  'data.sync-wait',
  'config.set',
  'config.verify',
  'notify',
  'smoke',
  'wait',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Parameters of an action that name a connection declared under `connections:`. */
const CONNECTION_PARAMS: Readonly<Partial<Record<ActionType, readonly string[]>>> = {
  'sql.query': ['connection'],
  'sql.assert': ['connection'],
  'data.compare': ['source', 'target'],
  'data.sync-wait': ['source', 'target'],
  'metrics.query': ['connection'],
  'traffic.shift': ['connection'],
  'traffic.maintenance': ['connection'],
  'config.set': ['connection'],
  'config.verify': ['connection'],
};

/**
 * Parameters of an action that a shell parses (`/bin/sh -c`). A secret reference there is refused: secrets
 * reach a command only as environment variables (`env:`), never as shell text.
 */
const COMMAND_LINE_PARAMS: Readonly<Partial<Record<ActionType, readonly string[]>>> = {
  shell: ['run'],
  smoke: ['run'],
};

/**
 * An action's entry in one of the tables above, none for an action without one. Only the table's own entries:
 * an `action:` is the plan author's text, and `valueOf` or `constructor` must read as no entry, not as
 * `Object.prototype`'s. The tables are read only through the two functions below.
 */
const ownEntry = (
  table: Readonly<Partial<Record<ActionType, readonly string[]>>>,
  action: string | undefined,
): readonly string[] =>
  action !== undefined && Object.hasOwn(table, action) ? (table[action as ActionType] ?? []) : [];

/** The parameters of `action` that name a connection declared under `connections:`. */
export const connectionParams = (action: string | undefined): readonly string[] =>
  ownEntry(CONNECTION_PARAMS, action);

/** The parameters of `action` that a shell parses. */
export const commandLineParams = (action: string | undefined): readonly string[] =>
  ownEntry(COMMAND_LINE_PARAMS, action);

/** Engines a `connections:` entry may name. */
export const CONNECTION_KINDS = [
  'postgres',
  'mysql',
  'mariadb',
  'sqlite',
  'http',
  'dns',
  'haproxy',
  'nginx',
  'prometheus',
  'smtp',
  'webhook',
  'aws',
  'cloudflare',
  'etcd',
] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];
