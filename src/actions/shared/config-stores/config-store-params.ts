import { z } from 'zod';
import { durationText } from '../traffic/traffic-target.js';

export const FILE_STORES = ['dotenv', 'json', 'yaml', 'properties'] as const;
export const STORE_TYPES = [...FILE_STORES, 'ssm', 'secrets-manager', 'etcd'] as const;
export type StoreType = (typeof STORE_TYPES)[number];

/** A value a key may be set to or compared with. */
export const configScalar = z.union([z.string(), z.number(), z.boolean()]);

/** Where the keys live: shared by `config.set` and `config.verify`. */
export const configStoreFields = {
  store: z.enum(STORE_TYPES).meta({
    description:
      'dotenv, json, yaml, properties (a file), ssm (Parameter Store), secrets-manager (the keys of one JSON secret) or etcd (v3).',
  }),
  file: z.string().min(1).optional().meta({ description: 'File stores: the file to edit in place.' }),
  region: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'AWS stores: the region (or from `connection`).' }),
  endpoint: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'AWS stores: a non-default endpoint (VPC endpoint, LocalStack).' }),
  secretId: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'secrets-manager: name or ARN of the secret whose JSON keys are set.' }),
  endpoints: z
    .array(z.string().regex(/^https?:\/\/[^/\s]+\/?$/, { error: 'expected http://host:port' }))
    .min(1)
    .optional()
    .meta({ description: 'etcd: client URLs, e.g. [http://10.0.0.5:2379] (or from `connection`).' }),
  connection: z.string().min(1).optional().meta({
    description:
      'A `connections:` entry: kind aws (options region, accessKeyId, secretAccessKey) or etcd (url, options username, password).',
  }),
  timeout: durationText().optional().meta({ description: 'Per request to a remote store (default 10s).' }),
};

interface StoreFields {
  store: StoreType;
  file?: string | undefined;
  secretId?: string | undefined;
  endpoints?: string[] | undefined;
  connection?: string | undefined;
  region?: string | undefined;
}

/** Each store's required fields, and no field of another store. */
export function refineStore(p: StoreFields, ctx: z.RefinementCtx): void {
  const isFile = (FILE_STORES as readonly string[]).includes(p.store);
  const need = (field: keyof StoreFields, why: string) => {
    if (p[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: why });
  };
  const forbid = (field: keyof StoreFields, only: string) => {
    if (p[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `only for ${only}, not store: ${p.store}` });
    }
  };
  if (isFile) need('file', `store: ${p.store} needs file: PATH`);
  else forbid('file', 'file stores (dotenv, json, yaml, properties)');
  if (p.store === 'secrets-manager') need('secretId', 'store: secrets-manager needs secretId: NAME-OR-ARN');
  else forbid('secretId', 'store: secrets-manager');
  if (p.store === 'etcd' && p.endpoints === undefined && p.connection === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['endpoints'],
      message: 'store: etcd needs endpoints: [http://host:2379] or a connection of kind etcd',
    });
  }
  if (p.store !== 'etcd') forbid('endpoints', 'store: etcd');
  if (isFile) forbid('connection', 'remote stores');
  if (p.store !== 'ssm' && p.store !== 'secrets-manager') forbid('region', 'AWS stores');
}
