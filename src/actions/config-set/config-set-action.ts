import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition, InverseCall } from '../../engine/action.js';
import type { ConfigStore, KeyChange, StoredValue } from '../shared/config-stores/config-store.js';
import { configScalar, configStoreFields, refineStore } from '../shared/config-stores/config-store-params.js';
import type { ConfigValue } from '../shared/config-stores/config-value.js';
import { MASK, sameValue, showValue } from '../shared/config-stores/config-value.js';
import type { ConfigStoreDeps } from '../shared/config-stores/create-config-store.js';
/** The stores and their SDK clients (SSM, Secrets Manager, etcd) load when a call runs, not with the declaration. */
const stores = () => import('../shared/config-stores/create-config-store.js');
import { keySecrecy } from '../shared/config-stores/key-secrecy.js';
import { checkStoreKeys } from '../shared/config-stores/check-store-keys.js';

export const configSetParams = z
  .strictObject({
    ...configStoreFields,
    set: z
      .record(z.string().min(1), configScalar)
      .optional()
      .meta({ description: 'The keys to set and their new values.' }),
    unset: z.array(z.string().min(1)).optional().meta({ description: 'Keys to remove.' }),
    expect: z.record(z.string().min(1), configScalar.nullable()).optional().meta({
      description:
        'Compare-and-swap: change a key only while it still holds this value (null: only while it does not exist). Keys without one are overwritten.',
    }),
    secret: z
      .union([z.boolean(), z.array(z.string().min(1))])
      .optional()
      .meta({
        description:
          'Keys whose values are never shown (true: all). Values given as ${env:…}/${file:…}, SecureString parameters and Secrets Manager keys are secret anyway.',
      }),
  })
  .superRefine((p, ctx) => {
    refineStore(p, ctx);
    const setKeys = Object.keys(p.set ?? {});
    if (setKeys.length === 0 && (p.unset ?? []).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['set'],
        message: 'give the keys to change: set: { KEY: value }',
      });
    }
    for (const key of p.unset ?? []) {
      if (setKeys.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['unset'], message: `'${key}' is both set and unset` });
      }
    }
    for (const key of Object.keys(p.expect ?? {})) {
      if (!setKeys.includes(key) && !(p.unset ?? []).includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', key],
          message: `'${key}' is neither set nor unset: expect applies to the keys being changed`,
        });
      }
    }
  });
export type ConfigSetParams = z.infer<typeof configSetParams>;

/** One key's change as it is recorded (values masked when secret): the evidence and what the undo uses. */
export interface KeyRecord {
  readonly key: string;
  readonly secret: boolean;
  readonly changed: boolean;
  readonly existed: boolean;
  readonly from?: ConfigValue;
  /** Absent when the key was removed. */
  readonly to?: ConfigValue;
}

interface Resolved {
  readonly store: ConfigStore;
  readonly changes: KeyChange[];
  readonly records: KeyRecord[];
  readonly mismatches: string[];
}

const targets = (p: ConfigSetParams): [string, ConfigValue | undefined][] => [
  ...Object.entries(p.set ?? {}),
  ...(p.unset ?? []).map((k): [string, undefined] => [k, undefined]),
];

/** Reads the keys and decides, per key: already there, to change, or refused by its `expect`. */
async function resolve(ctx: ActionContext, p: ConfigSetParams, deps: ConfigStoreDeps): Promise<Resolved> {
  const store = (await stores()).createConfigStore(ctx, p, deps);
  const wanted = targets(p);
  checkStoreKeys(
    store,
    wanted.map(([k]) => k),
  );
  const current = await store.read(
    wanted.map(([k]) => k),
    ctx.signal,
  );
  const isSecret = keySecrecy(ctx, p.secret);
  const changes: KeyChange[] = [];
  const records: KeyRecord[] = [];
  const mismatches: string[] = [];
  for (const [key, raw] of wanted) {
    const to = raw !== undefined && store.textOnly ? String(raw) : raw;
    const from: StoredValue | undefined = current.get(key);
    const expected = p.expect?.[key];
    const secret = isSecret(key, from, raw, expected);
    const mask = (v: ConfigValue) => (secret ? MASK : v);
    const record = {
      key,
      secret,
      existed: from !== undefined,
      ...(from !== undefined ? { from: mask(from.value) } : {}),
      ...(to !== undefined ? { to: mask(to) } : {}),
    };
    if (sameValue(from?.value, to)) {
      records.push({ ...record, changed: false });
      continue;
    }
    if (expected !== undefined && !sameValue(from?.value, expected ?? undefined)) {
      mismatches.push(
        from === undefined
          ? `${key} is not set, expected ${showValue(expected ?? undefined, secret)}`
          : expected === null
            ? `${key} already exists (holds ${showValue(from.value, secret)}), expected it not to`
            : `${key} holds ${showValue(from.value, secret)}, not the expected ${showValue(expected, secret)}`,
      );
    }
    changes.push({ key, from, to, secret });
    records.push({ ...record, changed: true });
  }
  return { store, changes, records, mismatches };
}

const describeChange = (r: KeyRecord) =>
  `${r.key} ${r.existed ? showValue(r.from, r.secret) : '(absent)'} → ${r.to === undefined ? '(removed)' : showValue(r.to, r.secret)}`;

/**
 * `config.set`: sets (or removes) configuration keys in one store, each only while it still holds its
 * `expect`ed value, all or nothing; keys already at their target are left alone, so re-running is safe.
 * Records every key's old value (masked when secret) for the evidence and the rollback's `inverse:`.
 */
export function createConfigSetAction(deps: ConfigStoreDeps = {}): ActionDefinition<ConfigSetParams> {
  return {
    type: 'config.set',
    description:
      'Sets configuration keys in a dotenv/JSON/YAML/properties file, SSM Parameter Store, Secrets Manager or etcd, with compare-and-swap and the old values recorded',
    params: configSetParams,
    idempotent: true,

    async plan(ctx, p) {
      const isSecret = keySecrecy(ctx, p.secret);
      const label = (await stores()).createConfigStore(ctx, p, deps).label;
      const note = (key: string, secret: boolean) => {
        const expected = p.expect?.[key];
        return expected === undefined
          ? undefined
          : expected === null
            ? 'only while it does not exist'
            : `only while it holds ${showValue(expected, secret)}`;
      };
      try {
        const { records } = await resolve(ctx, p, deps);
        const changes = records.map((r) => {
          const n = r.changed ? note(r.key, r.secret) : 'already set: no change';
          return {
            target: `${r.key} in ${label}`,
            from: r.existed ? showValue(r.from, r.secret) : '(absent)',
            to: r.to === undefined ? '(removed)' : showValue(r.to, r.secret),
            ...(n ? { note: n } : {}),
          };
        });
        const changing = records.filter((r) => r.changed);
        return {
          summary:
            changing.length === 0
              ? `${label} already holds every value: nothing to change`
              : `would set in ${label}: ${changing.map(describeChange).join(', ')}`,
          changes,
        };
      } catch (error) {
        const why = ctx.redact(error instanceof Error ? error.message : String(error));
        return {
          summary: `would set ${targets(p).length} key(s) in ${label} (current values unknown: ${why})`,
          changes: targets(p).map(([key, to]) => {
            const secret = isSecret(key, undefined, to, p.expect?.[key]);
            const n = note(key, secret);
            return {
              target: `${key} in ${label}`,
              to: to === undefined ? '(removed)' : showValue(to, secret),
              note: `could not read the current value: ${why}${n ? `; ${n}` : ''}`,
            };
          }),
        };
      }
    },

    async execute(ctx, p) {
      const { store, changes, records, mismatches } = await resolve(ctx, p, deps);
      if (mismatches.length > 0) {
        throw new TminusError(
          'CONFIG_CAS_MISMATCH',
          `refusing to change ${store.label}: ${mismatches.join('; ')}. Nothing was changed`,
          {
            retryable: false,
            hint: 'someone changed the configuration since the plan was written: check it, then fix `expect` (or the store)',
          },
        );
      }
      if (changes.length > 0) {
        await store.write(changes, { signal: ctx.signal, idempotencyKey: ctx.idempotencyKey });
      }
      const changed = records.filter((r) => r.changed);
      const summary =
        changed.length === 0
          ? `${store.label} already holds every value: nothing to change`
          : `${store.label}: ${changed.map(describeChange).join(', ')}`;
      ctx.logger.info(ctx.redact(summary), { changed: changed.length });
      return {
        summary: ctx.redact(summary),
        output: { store: store.label, changed: changed.length > 0, keys: records },
      };
    },

    // What rollback coverage matches on: the same key of the same store.
    touches: (p) => {
      const where = p.file ?? p.secretId ?? p.endpoints?.join(',') ?? p.connection ?? p.region ?? '(default)';
      return targets(p).map(([key]) => `config ${p.store} ${where} ${key}`);
    },

    inverse(p) {
      const keys = targets(p);
      if (keys.some(([k]) => p.expect?.[k] === undefined)) return undefined;
      return restoreCall(
        p,
        keys.map(([key, to]) => ({ key, restore: p.expect?.[key] ?? undefined, written: to })),
      );
    },

    undo(p, output) {
      const records = (output.keys ?? []) as readonly KeyRecord[];
      const restore: Restore[] = [];
      const lost: string[] = [];
      for (const r of records) {
        const expected = p.expect?.[r.key];
        const written = p.set?.[r.key];
        if (!r.changed) {
          // Already at the target when it ran (possibly set by an earlier attempt): its `expect` is the old value.
          if (expected !== undefined) restore.push({ key: r.key, restore: expected ?? undefined, written });
        } else if (!r.secret) {
          restore.push({ key: r.key, restore: r.existed ? r.from : undefined, written });
        } else if (expected !== undefined) {
          // A secret's old value is never recorded: the plan's reference to it is resolved again.
          restore.push({ key: r.key, restore: expected ?? undefined, written });
        } else if (!r.existed) {
          restore.push({ key: r.key, restore: undefined, written });
        } else lost.push(r.key);
      }
      if (restore.length === 0) {
        return {
          nothing:
            lost.length > 0
              ? `the old value of secret key(s) ${lost.join(', ')} was not recorded and the plan gives no expect: put it back by hand`
              : `it changed nothing (every key already held its value)`,
        };
      }
      if (lost.length > 0) {
        throw new TminusError(
          'INVALID_PARAMS',
          `cannot undo secret key(s) ${lost.join(', ')}: their old value is never recorded and the task gives no expect`,
          {
            retryable: false,
            hint: 'give the old secret by reference in the task: expect: { KEY: ${env:OLD} }',
          },
        );
      }
      return restoreCall(p, restore);
    },
  };
}

interface Restore {
  readonly key: string;
  /** undefined: remove the key. */
  readonly restore: ConfigValue | undefined;
  /** What the forward call wrote (undefined: it removed the key): the undo's compare-and-swap. */
  readonly written: ConfigValue | undefined;
}

/** A `config.set` on the same store that puts values back, guarded on what the forward call wrote. */
function restoreCall(p: ConfigSetParams, keys: readonly Restore[]): InverseCall {
  const rest: Record<string, unknown> = { ...p };
  delete rest.set;
  delete rest.unset;
  delete rest.expect;
  const set = Object.fromEntries(keys.flatMap((k) => (k.restore === undefined ? [] : [[k.key, k.restore]])));
  const unset = keys.filter((k) => k.restore === undefined).map((k) => k.key);
  return {
    action: 'config.set',
    with: {
      ...rest,
      ...(Object.keys(set).length > 0 ? { set } : {}),
      ...(unset.length > 0 ? { unset } : {}),
      expect: Object.fromEntries(keys.map((k) => [k.key, k.written ?? null])),
    },
  };
}

export const configSetAction = createConfigSetAction();
