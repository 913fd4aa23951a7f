// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';
import importPlugin from 'eslint-plugin-import';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// ---- service layout boundaries (docs/adr/0004-service-layout.md) ----
// Paths are checked on the *resolved* file (import/no-restricted-paths), so `../../object/src/x`,
// `../api/x` and `./../db` are caught however they are spelled; package names that may not resolve
// before a build (`@kumo/<app>` points at dist/) and third-party packages (typeorm, @nestjs/*) are
// checked by name with @typescript-eslint/no-restricted-imports, a rule distinct from the core
// no-restricted-imports that the apps/object block below uses, so neither replaces the other.
// The app list is read from apps/, so a new app is covered without editing this file. The per-app
// blocks go from general to specific and each repeats the general patterns: a later block that sets
// @typescript-eslint/no-restricted-imports for a file replaces the earlier ones, so add to these.
// tools/ci/test/lint-boundaries.test.mjs proves every rule still fires (run by `pnpm lint`).
const root = import.meta.dirname;
const apps = readdirSync(join(root, 'apps'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const appPackage = (app) => ({
  group: [`@kumo/${app}`, `@kumo/${app}/*`],
  message: `An app never imports another app (@kumo/${app}): use its REST API, an event, or a shared lib under libs/ (test helpers: libs/testing).`,
});
const noTypeorm = {
  group: ['typeorm', 'typeorm/*'],
  message: 'services/ do not import TypeORM: only db/ (entities, repositories) does; call a repository.',
};
const noHttp = [
  {
    group: ['fastify', 'fastify/*', '@nestjs/platform-*', 'http', 'node:http'],
    message: 'services/ hold no HTTP types: take and return domain values; api/ (controller, view) does HTTP.',
  },
  {
    group: ['@nestjs/common'],
    importNamePattern: '^(Http\\w*|\\w+Exception|Req|Res|Request|Response|Headers)$',
    message: 'services/ throw domain errors (KumoError subclasses from @kumo/common), not Nest HTTP exceptions; the fault filter renders them.',
  },
];
const noNest = {
  group: ['@nestjs/*'],
  message: 'drivers/ do not import Nest: a driver is a plain class behind its abstract class; the Nest wiring lives in the module.',
};
const restrictNames = (files, patterns, paths = []) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }] },
});
// Processes that serve no Nest app (compute's agent, scheduler and console proxy) and the libraries
// every process loads: @kumo/common's index loads NestJS, fastify and rxjs (~20 MiB of RSS each,
// docs/operations.md), so they take its Nest-free entry @kumo/common/core; types may come from either.
const nestFreeCommon = [
  {
    name: '@kumo/common',
    allowTypeImports: true,
    message: 'This code runs in a process without a Nest app: import @kumo/common/core (the index loads NestJS, fastify and rxjs; docs/operations.md).',
  },
];
const nestFreeProcess = {
  group: ['@nestjs/*', 'fastify', 'fastify/*', '@kumo/auth'],
  message: 'This code runs in a process without a Nest app (compute agent, scheduler, console proxy): no Nest, fastify or @kumo/auth here (docs/operations.md).',
};
// object's proxy and storage nodes serve with node:http (docs/adr/0005): no Nest, fastify or rxjs,
// and token validation from @kumo/auth's Nest-free entry (@kumo/auth/core); types may come from the indexes.
const nodeHttpProcess = {
  group: ['@nestjs/*', 'fastify', 'fastify/*', 'rxjs', 'rxjs/*'],
  message: "The object proxy and storage nodes serve with node:http (ADR 0005): no Nest, fastify or rxjs here (~17 MiB of RSS each, docs/operations.md).",
};
const nestFreeAuth = {
  name: '@kumo/auth',
  allowTypeImports: true,
  message: "This code runs in a process without a Nest app: import @kumo/auth/core (the index loads NestJS for AuthGuard and AuthModule; docs/operations.md).",
};
// @kumo/auth/core's files: what they import is loaded by every process that validates tokens
const authCoreFiles = ['libs/auth/src/{core,auth-context,token-validator,policy,service-auth,fake-token-validator}.ts'];
const authCoreNestFree = {
  group: ['@nestjs/*', 'fastify', 'fastify/*', 'rxjs', 'rxjs/*', './auth.guard', './auth.module', './index'],
  message: "@kumo/auth/core is token validation without Nest (the object proxy, the service kit): no Nest, fastify, rxjs, AuthGuard or AuthModule here.",
};
const noDatabase = {
  group: ['typeorm', 'typeorm/*', 'mysql2', 'mysql2/*', '@kumo/db'],
  message: 'The compute agent has no database (it asks the conductor over the bus): no TypeORM, mysql2 or @kumo/db in agent/.',
};
const boundaries = [
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.d.ts', '.js', '.json'] } } },
    rules: {
      // no-restricted-paths skips an import it cannot resolve: a relative import of a file that is
      // gone (image's compat test importing identity's removed test/compat/cli) passed unseen. A
      // relative import must resolve (packages are left to tsc).
      'import/no-unresolved': ['error', { ignore: ['^[^.]'] }],
      'import/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            ...apps.map((app) => ({
              target: `./apps/${app}`,
              from: './apps',
              except: [`./${app}`],
              message: `An app never imports another app (${app} may import only apps/${app}): use its REST API, an event, or a shared lib under libs/ (test helpers: libs/testing).`,
            })),
            { target: './libs', from: './apps', message: 'libs/ never import apps/: move what both need into a lib.' },
            ...apps.map((app) => ({
              target: `./apps/${app}/src/services`,
              from: `./apps/${app}/src/api`,
              message: 'services/ never import api/ (dependency direction api -> services): return domain objects and let api/<resource>/*.view.ts render them.',
            })),
            ...apps.map((app) => ({
              target: `./apps/${app}/src/drivers`,
              from: `./apps/${app}/src/db`,
              message: 'drivers/ never import db/: a driver does machine work only; the service reads and writes the database.',
            })),
          ],
        },
      ],
    },
  },
  ...apps.flatMap((app) => {
    const others = apps.filter((a) => a !== app).map(appPackage);
    return [
      restrictNames([`apps/${app}/**/*.ts`], others),
      restrictNames([`apps/${app}/src/services/**/*.ts`], [...others, noTypeorm, ...noHttp]),
      restrictNames([`apps/${app}/src/drivers/**/*.ts`], [...others, noNest]),
      ...(app === 'compute'
        ? [
            restrictNames(['apps/compute/src/{console,scheduler,rpc}/**/*.ts'], [...others, nestFreeProcess], nestFreeCommon),
            restrictNames(['apps/compute/src/agent/**/*.ts'], [...others, nestFreeProcess, noDatabase], nestFreeCommon),
          ]
        : []),
      // (not services/ or drivers/, which object does not have: their blocks above keep their own rules)
      ...(app === 'object'
        ? [{ ...restrictNames(['apps/object/src/**/*.ts'], [...others, nodeHttpProcess], [...nestFreeCommon, nestFreeAuth]), ignores: ['apps/object/src/{services,drivers}/**'] }]
        : []),
    ];
  }),
  restrictNames(['libs/**/*.ts'], apps.map(appPackage)),
  restrictNames(['libs/{messaging,service}/src/**/*.ts'], apps.map(appPackage), [...nestFreeCommon, nestFreeAuth]),
  restrictNames(authCoreFiles, [...apps.map(appPackage), authCoreNestFree], nestFreeCommon),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.stack/**', '.bench/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.sys-spec.ts', '**/*.compat-spec.ts', '**/test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/valid-expect': ['error', { alwaysAwait: true }],
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*'] }],
    },
  },
  ...boundaries,
  // ---- apps/object: the proxy and the storage nodes share only apps/object/src/common (ADR 5) ----
  // (kept apart from the general boundary rules; a later block that sets no-restricted-imports for
  // these files replaces this one, so merge the patterns there)
  {
    files: ['apps/object/src/proxy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/storage', '**/storage/*'], message: 'The object proxy does not import the storage nodes: move what both use to apps/object/src/common.' }] }],
    },
  },
  {
    files: ['apps/object/src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/proxy', '**/proxy/*'], message: 'The storage nodes do not import the object proxy: move what both use to apps/object/src/common.' }] }],
    },
  },
);
