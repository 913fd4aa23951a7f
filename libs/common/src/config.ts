import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * One YAML file (KUMO_CONFIG, default /etc/kumo/kumo.yaml) with a section per service, plus
 * environment overrides of single keys: KUMO_<SECTION>_<KEY>=value (value parsed as a YAML scalar),
 * e.g. KUMO_IDENTITY_TOKEN_EXPIRATION=7200 or KUMO_DATABASE_URL=mysql://...
 * Parsed once at start; nothing else reads process.env.
 */
export const DEFAULT_CONFIG_FILE = '/etc/kumo/kumo.yaml';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`invalid configuration in ${file}: ${key}: ${problem}`);
  }
}

export type Sections = Record<string, z.ZodTypeAny>;
export type ConfigOf<S extends Sections> = { [K in keyof S]: z.infer<S[K]> };

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUMO_CONFIG || DEFAULT_CONFIG_FILE;
}

function readFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, '(file)', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, '(file)', 'must be a mapping of sections');
  return doc as Record<string, unknown>;
}

function envOverrides(sections: string[], env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  // longest section name first so that KUMO_OBJECT_PROXY_X matches section object_proxy before object
  const sorted = [...sections].sort((a, b) => b.length - a.length);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('KUMO_') || raw === undefined || name === 'KUMO_CONFIG') continue;
    const rest = name.slice(5).toLowerCase();
    const section = sorted.find((s) => rest.startsWith(`${s.toLowerCase()}_`));
    if (!section) continue;
    const key = rest.slice(section.length + 1);
    let value: unknown = raw;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    if (value === null) value = raw;
    (out[section] ??= {})[key] = value;
  }
  return out;
}

/** Loads and validates the given sections; throws ConfigError naming the first bad key. */
export function loadConfig<S extends Sections>(sections: S, opts: LoadOptions = {}): ConfigOf<S> {
  const env = opts.env ?? process.env;
  const file = opts.file ?? configFilePath(env);
  const doc = readFile(file);
  const overrides = envOverrides(Object.keys(sections), env);
  const result: Record<string, unknown> = {};
  for (const [section, schema] of Object.entries(sections)) {
    const fromFile = doc[section] ?? {};
    if (typeof fromFile !== 'object' || Array.isArray(fromFile)) {
      throw new ConfigError(file, section, 'must be a mapping');
    }
    const merged = { ...(fromFile as Record<string, unknown>), ...(overrides[section] ?? {}) };
    const parsed = schema.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [section, ...issue.path.map(String), ...(keys.length ? [keys[0]] : [])].join('.');
      const where = keys.length || !overrides[section]?.[String(issue.path[0])] ? file : `${file} (or env override)`;
      throw new ConfigError(where, path, issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message);
    }
    result[section] = parsed.data;
  }
  return result as ConfigOf<S>;
}

/** For process entry points: a bad key prints one line and exits 1, never a stack trace. */
export function loadConfigOrExit<S extends Sections>(sections: S, opts: LoadOptions = {}): ConfigOf<S> {
  try {
    return loadConfig(sections, opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kumo: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Sections every service shares. */
export const databaseSection = z
  .object({
    /** mysql://user:password@host:port — the service appends its own database name (kumo_<service>). */
    url: z.string().url().default('mysql://root@127.0.0.1:3306'),
    pool_size: z.number().int().positive().default(10),
  })
  .strict();

export const messagingSection = z
  .object({
    url: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
    /** Prefix of exchange names, so that several deployments (or test runs) can share a broker. */
    exchange_prefix: z.string().default('kumo'),
    rpc_timeout_ms: z.number().int().positive().default(60_000),
  })
  .strict();

export const loggingSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

/** A TCP port (`port.default(5000)` in a section). */
export const port = z.number().int().min(1).max(65535);

/**
 * The keys of a section whose service validates tokens (and calls other services) as identity's
 * service user: spread into the section's object (`...serviceUserKeys`); libs/service's
 * `serviceUserOf(section, name)` gives them to the kit's `serviceAuth`.
 */
export const serviceUserKeys = {
  auth_url: z.string().url().default('http://127.0.0.1:5000/v3'),
  service_user: z.string().default('kumo'),
  service_password: z.string().optional(),
  /** Identity's public URL, for WWW-Authenticate (`Keystone uri=...`). */
  identity_public_url: z.string().url().default('http://127.0.0.1:5000'),
};
export type ServiceUserConfig = z.infer<z.ZodObject<typeof serviceUserKeys>>;

export const commonSections = {
  database: databaseSection.default({}),
  messaging: messagingSection.default({}),
  logging: loggingSection.default({}),
};
