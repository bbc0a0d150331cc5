import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { checkStoreKeys } from '../shared/config-stores/check-store-keys.js';
import { configScalar, configStoreFields, refineStore } from '../shared/config-stores/config-store-params.js';
import { MASK, sameValue, showValue } from '../shared/config-stores/config-value.js';
import type { ConfigStoreDeps } from '../shared/config-stores/create-config-store.js';
/** The stores and their SDK clients (SSM, Secrets Manager, etcd) load when a call runs, not with the declaration. */
const stores = () => import('../shared/config-stores/create-config-store.js');
import { keySecrecy } from '../shared/config-stores/key-secrecy.js';

export const configVerifyParams = z
  .strictObject({
    ...configStoreFields,
    expect: z.record(z.string().min(1), configScalar.nullable()).optional().meta({
      description: 'Each key must hold this value (null: must not exist).',
    }),
    changedFrom: z.record(z.string().min(1), configScalar).optional().meta({
      description: 'Each key must exist and no longer hold this (old) value.',
    }),
    secret: z
      .union([z.boolean(), z.array(z.string().min(1))])
      .optional()
      .meta({ description: 'Keys whose values are never shown (true: all).' }),
  })
  .superRefine((p, ctx) => {
    refineStore(p, ctx);
    if (Object.keys(p.expect ?? {}).length === 0 && Object.keys(p.changedFrom ?? {}).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect'],
        message: 'give what to check: expect: { KEY: value } and/or changedFrom: { KEY: old value }',
      });
    }
  });
export type ConfigVerifyParams = z.infer<typeof configVerifyParams>;

/**
 * `config.verify`: reads keys back and checks each holds its expected value (or no longer holds its old
 * one). Read-only; fails with every key that is off at once, retryable (configuration can take a moment to
 * reach a replica). For the readiness checklist and for checks after the switch.
 */
export function createConfigVerifyAction(deps: ConfigStoreDeps = {}): ActionDefinition<ConfigVerifyParams> {
  return {
    type: 'config.verify',
    description:
      'Reads configuration keys back from a file, SSM, Secrets Manager or etcd and checks their values (or that they changed)',
    params: configVerifyParams,
    idempotent: true,

    async plan(ctx, p) {
      const store = (await stores()).createConfigStore(ctx, p, deps);
      const isSecret = keySecrecy(ctx, p.secret);
      const changes = [
        ...Object.entries(p.expect ?? {}).map(([key, v]) => ({
          target: `${key} in ${store.label}`,
          note: `would check it ${v === null ? 'does not exist' : `holds ${showValue(v, isSecret(key, undefined, v))}`}`,
        })),
        ...Object.entries(p.changedFrom ?? {}).map(([key, v]) => ({
          target: `${key} in ${store.label}`,
          note: `would check it no longer holds ${showValue(v, isSecret(key, undefined, v))}`,
        })),
      ];
      return { summary: `would read ${changes.length} key(s) from ${store.label} (read-only)`, changes };
    },

    async execute(ctx, p) {
      const store = (await stores()).createConfigStore(ctx, p, deps);
      const keys = [...new Set([...Object.keys(p.expect ?? {}), ...Object.keys(p.changedFrom ?? {})])];
      checkStoreKeys(store, keys);
      const current = await store.read(keys, ctx.signal);
      const isSecret = keySecrecy(ctx, p.secret);
      const problems: string[] = [];
      const records = keys.map((key) => {
        const stored = current.get(key);
        const expected = p.expect?.[key];
        const old = p.changedFrom?.[key];
        const secret = isSecret(key, stored, expected, old);
        const actual = stored?.value;
        const show = (v: Parameters<typeof showValue>[0]) => showValue(v, secret);
        let ok = true;
        if (expected !== undefined && !sameValue(actual, expected ?? undefined)) {
          ok = false;
          problems.push(
            expected === null
              ? `${key} should not exist but holds ${show(actual)}`
              : actual === undefined
                ? `${key} is not set, expected ${show(expected)}`
                : `${key} holds ${show(actual)}, expected ${show(expected)}`,
          );
        }
        if (old !== undefined) {
          if (actual === undefined) {
            ok = false;
            problems.push(`${key} is not set (expected a value other than ${show(old)})`);
          } else if (sameValue(actual, old)) {
            ok = false;
            problems.push(`${key} still holds the old value ${show(old)}`);
          }
        }
        return {
          key,
          ok,
          secret,
          present: actual !== undefined,
          ...(actual !== undefined ? { value: secret ? MASK : actual } : {}),
        };
      });
      if (problems.length > 0) {
        throw new TminusError(
          'CONFIG_NOT_AS_EXPECTED',
          ctx.redact(
            `${store.label}: ${problems.length} of ${keys.length} key(s) not as expected: ${problems.join('; ')}`,
          ),
          { retryable: true },
        );
      }
      return {
        summary: ctx.redact(`${store.label}: ${keys.length} key(s) as expected`),
        output: { store: store.label, keys: records },
        value: records.length,
      };
    },
  };
}

export const configVerifyAction = createConfigVerifyAction();
