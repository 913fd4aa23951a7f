// Proves that every boundary rule of eslint.config.mjs (ADR 0004) still fires, so that a rule that
// silently stops matching (a renamed folder, a broken resolver, a glob typo) fails `pnpm lint`.
// Each probe lints a few lines of source as if they were a file at a real path of the tree
// (ESLint's lintText with filePath; the file itself need not exist, its folder must: the resolver
// resolves from the real folder, and an import it cannot resolve is not checked by path), importing
// files that exist now:
// the import targets are looked up at run time, so code moving inside apps does not break the test.
// Run: node --test tools/ci/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '../../..');
const BOUNDARY_RULES = new Set(['import/no-unresolved', 'import/no-restricted-paths', '@typescript-eslint/no-restricted-imports', 'no-restricted-imports']);

// Only the boundary rules run, without type information: the probe files are in no tsconfig.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
});

/** The boundary messages ESLint reports for `code` placed at `file` (relative to the root). */
async function boundaryErrors(file, code) {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  assert.equal(result.fatalErrorCount, 0, JSON.stringify(result.messages));
  return result.messages.filter((m) => BOUNDARY_RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

/** The first .ts file (not a .d.ts) under dir, relative to root; fails when there is none. */
function someTsFile(dir) {
  const abs = join(root, dir);
  assert.ok(existsSync(abs), `${dir} exists`);
  for (const name of readdirSync(abs).sort()) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) {
      const inner = someTsFile(join(dir, name));
      if (inner) return inner;
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) return join(dir, name);
  }
  return undefined;
}

/** An import specifier from `fromFile` to `toFile` (both relative to root), spelled as in the code base. */
function spec(fromFile, toFile) {
  let rel = relative(dirname(fromFile), toFile).replace(/\.ts$/, '');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

/** Whether `rule` reported a message containing `text`. */
const fired = (errs, rule, text) => errs.some((e) => e.startsWith(`${rule}: `) && e.includes(text));

const imp = (what) => `import * as probe from '${what}';\nexport const used = probe;\n`;

const apps = readdirSync(join(root, 'apps')).filter((a) => statSync(join(root, 'apps', a)).isDirectory());
const withDir = (sub) => apps.filter((a) => existsSync(join(root, 'apps', a, 'src', sub)));

test('the tree has the apps and layers the probes need', () => {
  assert.ok(apps.length >= 2, `apps: ${apps}`);
  assert.ok(withDir('api').length >= 1, 'an app with src/api');
  assert.ok(withDir('db').filter((a) => withDir('drivers').includes(a)).length >= 1, 'an app with src/db and src/drivers');
});

for (const app of apps) {
  const other = apps.find((a) => a !== app);
  const otherFile = someTsFile(`apps/${other}/src`);

  test(`${app}: src/ may not import ${other} by relative path`, async () => {
    const file = `apps/${app}/src/probe.ts`;
    const errs = await boundaryErrors(file, imp(spec(file, otherFile)));
    assert.ok(fired(errs, 'import/no-restricted-paths', 'An app never imports another app'), errs.join('\n'));
  });

  test(`${app}: tests may not import ${other} by relative path`, { skip: !existsSync(join(root, 'apps', app, 'test')) && 'no test/' }, async () => {
    const file = `apps/${app}/test/probe.int-spec.ts`;
    const errs = await boundaryErrors(file, imp(spec(file, otherFile)));
    assert.ok(fired(errs, 'import/no-restricted-paths', 'An app never imports another app'), errs.join('\n'));
  });

  for (const where of ['src/probe.ts', 'src/services/probe.ts', 'src/drivers/probe.ts', 'test/probe.spec.ts']) {
    test(`${app}/${where}: may not import @kumo/${other}`, async () => {
      const errs = await boundaryErrors(`apps/${app}/${where}`, imp(`@kumo/${other}`));
      assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', `An app never imports another app (@kumo/${other})`), errs.join('\n'));
    });
  }

  test(`${app}: may import its own code and the libs`, async () => {
    const own = someTsFile(`apps/${app}/src`);
    const file = `apps/${app}/test/probe.spec.ts`;
    assert.deepEqual(await boundaryErrors(file, imp(spec(file, own)) + `import '@kumo/common';\nimport '../../../libs/common/src';\n`), []);
  });
}

test('libs never import apps (by path or by package)', async () => {
  const file = 'libs/common/src/probe.ts';
  const target = someTsFile(`apps/${apps[0]}/src`);
  const byPath = await boundaryErrors(file, imp(spec(file, target)));
  assert.ok(fired(byPath, 'import/no-restricted-paths', 'libs/ never import apps/'), byPath.join('\n'));
  const byName = await boundaryErrors(file, imp(`@kumo/${apps[0]}`));
  assert.ok(fired(byName, '@typescript-eslint/no-restricted-imports', 'An app never imports another app'), byName.join('\n'));
});

for (const app of withDir('api').filter((a) => withDir('services').includes(a))) {
  test(`${app}: services/ never import api/`, async () => {
    const target = someTsFile(`apps/${app}/src/api`);
    const sub = readdirSync(join(root, 'apps', app, 'src/services')).find((d) => statSync(join(root, 'apps', app, 'src/services', d)).isDirectory());
    const files = [`apps/${app}/src/services/probe.ts`, ...(sub ? [`apps/${app}/src/services/${sub}/probe.ts`] : [])];
    for (const file of files) {
      const errs = await boundaryErrors(file, imp(spec(file, target)));
      assert.ok(fired(errs, 'import/no-restricted-paths', 'services/ never import api/'), `${file}: ${errs.join('\n')}`);
    }
  });

  test(`${app}: api/ may import services/`, async () => {
    const file = `apps/${app}/src/api/probe.controller.ts`;
    assert.deepEqual(await boundaryErrors(file, imp(spec(file, someTsFile(`apps/${app}/src/services`)))), []);
  });
}

for (const app of withDir('db').filter((a) => withDir('drivers').includes(a))) {
  test(`${app}: drivers/ never import db/`, async () => {
    const target = someTsFile(`apps/${app}/src/db`);
    const file = `apps/${app}/src/drivers/probe.ts`;
    const errs = await boundaryErrors(file, imp(spec(file, target)));
    assert.ok(fired(errs, 'import/no-restricted-paths', 'drivers/ never import db/'), errs.join('\n'));
  });

}

for (const app of withDir('db').filter((a) => withDir('services').includes(a))) {
  test(`${app}: services/ may import db/`, async () => {
    const target = someTsFile(`apps/${app}/src/db`);
    const file = `apps/${app}/src/services/probe.ts`;
    assert.deepEqual(await boundaryErrors(file, imp(spec(file, target))), []);
  });
}

for (const app of apps) {
  test(`${app}: drivers/ never import @nestjs/*`, async () => {
    for (const pkg of ['@nestjs/common', '@nestjs/typeorm']) {
      const errs = await boundaryErrors(`apps/${app}/src/drivers/probe.ts`, imp(pkg));
      assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', 'drivers/ do not import Nest'), `${pkg}: ${errs.join('\n')}`);
    }
  });

  test(`${app}: services/ never import typeorm (db/ may)`, async () => {
    for (const code of [imp('typeorm'), `import type { DataSource } from 'typeorm';\nexport type D = DataSource;\n`]) {
      const errs = await boundaryErrors(`apps/${app}/src/services/probe.ts`, code);
      assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', 'services/ do not import TypeORM'), errs.join('\n'));
    }
    assert.deepEqual(await boundaryErrors(`apps/${app}/src/db/repositories/probe.repository.ts`, imp('typeorm')), []);
  });
}

test('object: proxy/ and storage/ do not import each other (the object block)', async () => {
  const p = await boundaryErrors('apps/object/src/proxy/probe.ts', imp('../storage/disk-file'));
  assert.ok(fired(p, 'no-restricted-imports', 'The object proxy does not import the storage nodes'), p.join('\n'));
  const s = await boundaryErrors('apps/object/src/storage/probe.ts', imp('../proxy/proxy.server'));
  assert.ok(fired(s, 'no-restricted-imports', 'The storage nodes do not import the object proxy'), s.join('\n'));
  // the app boundary still applies to the object's proxy files alongside the object block
  const x = await boundaryErrors('apps/object/src/proxy/probe.ts', imp('@kumo/image'));
  assert.ok(x.some((e) => e.includes('@kumo/image')), x.join('\n'));
});

for (const app of apps) {
  test(`${app}: services/ hold no HTTP types (Nest HTTP exceptions, fastify)`, async () => {
    const file = `apps/${app}/src/services/probe.ts`;
    const bad = [
      ["import { NotFoundException } from '@nestjs/common';\nexport const E = NotFoundException;\n", 'not Nest HTTP exceptions'],
      ["import { HttpException } from '@nestjs/common';\nexport const E = HttpException;\n", 'not Nest HTTP exceptions'],
      ["import type { FastifyRequest } from 'fastify';\nexport type R = FastifyRequest;\n", 'services/ hold no HTTP types'],
    ];
    for (const [code, text] of bad) {
      const errs = await boundaryErrors(file, code);
      assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', text), `${code}: ${errs.join('\n')}`);
    }
    // Nest's DI stays allowed in services
    assert.deepEqual(await boundaryErrors(file, "import { Injectable, Inject } from '@nestjs/common';\nexport const I = [Injectable, Inject];\n"), []);
  });
}

test('a relative import that does not resolve is an error (no-restricted-paths cannot check it)', async () => {
  const [app, other] = apps;
  const errs = await boundaryErrors(`apps/${app}/test/probe.spec.ts`, imp(`../../${other}/test/compat/gone-helper`));
  assert.ok(fired(errs, 'import/no-unresolved', 'Unable to resolve path'), errs.join('\n'));
});

test("compute's agent, scheduler, console proxy and the kit's libraries stay Nest-free (the memory budget)", async () => {
  for (const file of ['apps/compute/src/agent/probe.ts', 'apps/compute/src/scheduler/probe.ts', 'apps/compute/src/console/probe.ts', 'libs/messaging/src/probe.ts', 'libs/service/src/probe.ts']) {
    const errs = await boundaryErrors(file, "import { NotFound } from '@kumo/common';\nexport const E = NotFound;\n");
    assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', 'import @kumo/common/core'), `${file}: ${errs.join('\n')}`);
    // its Nest-free entry, and types from the index, are allowed
    assert.deepEqual(await boundaryErrors(file, "import { NotFound } from '@kumo/common/core';\nimport type { Logger } from '@kumo/common';\nexport const E: [typeof NotFound, Logger?] = [NotFound];\n"), [], file);
  }
  for (const file of ['apps/compute/src/agent/probe.ts', 'apps/compute/src/scheduler/probe.ts']) {
    const errs = await boundaryErrors(file, imp('@nestjs/core'));
    assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', 'without a Nest app'), `${file}: ${errs.join('\n')}`);
  }
  const db = await boundaryErrors('apps/compute/src/agent/probe.ts', imp('typeorm'));
  assert.ok(fired(db, '@typescript-eslint/no-restricted-imports', 'The compute agent has no database'), db.join('\n'));
  // the app boundary still applies there
  const other = await boundaryErrors('apps/compute/src/agent/probe.ts', imp('@kumo/image'));
  assert.ok(other.some((e) => e.includes('@kumo/image')), other.join('\n'));
});

test("object's proxy and storage nodes, and @kumo/auth/core, stay Nest-free (node:http, the memory budget)", async () => {
  const valueOf = (pkg) => `import { Unauthorized } from '${pkg}';\nexport const E = Unauthorized;\n`;
  for (const file of ['apps/object/src/main.proxy.ts', 'apps/object/src/proxy/probe.ts', 'apps/object/src/storage/probe.ts', 'apps/object/src/common/probe.ts']) {
    const common = await boundaryErrors(file, valueOf('@kumo/common'));
    assert.ok(fired(common, '@typescript-eslint/no-restricted-imports', 'import @kumo/common/core'), `${file}: ${common.join('\n')}`);
    const auth = await boundaryErrors(file, "import { startServiceAuth } from '@kumo/auth';\nexport const S = startServiceAuth;\n");
    assert.ok(fired(auth, '@typescript-eslint/no-restricted-imports', 'import @kumo/auth/core'), `${file}: ${auth.join('\n')}`);
    for (const pkg of ['@nestjs/common', 'fastify', 'rxjs']) {
      const errs = await boundaryErrors(file, imp(pkg));
      assert.ok(fired(errs, '@typescript-eslint/no-restricted-imports', 'serve with node:http'), `${file} ${pkg}: ${errs.join('\n')}`);
    }
    // the Nest-free entries, and types from the indexes, are allowed
    const ok = "import { Unauthorized } from '@kumo/common/core';\nimport { startServiceAuth } from '@kumo/auth/core';\nimport type { Logger } from '@kumo/common';\nimport type { AuthContext } from '@kumo/auth';\nexport const E: [typeof Unauthorized, typeof startServiceAuth, Logger?, AuthContext?] = [Unauthorized, startServiceAuth];\n";
    assert.deepEqual(await boundaryErrors(file, ok), [], file);
  }
  // the app boundary still applies there
  const other = await boundaryErrors('apps/object/src/storage/probe.ts', imp('@kumo/image'));
  assert.ok(other.some((e) => e.includes('@kumo/image')), other.join('\n'));
  // the service kit loads token validation from @kumo/auth/core
  const kit = await boundaryErrors('libs/service/src/probe.ts', "import { startServiceAuth } from '@kumo/auth';\nexport const S = startServiceAuth;\n");
  assert.ok(fired(kit, '@typescript-eslint/no-restricted-imports', 'import @kumo/auth/core'), kit.join('\n'));
  // @kumo/auth/core's files: no Nest, no @kumo/common index, not the guard or the module
  for (const code of [valueOf('@kumo/common'), imp('@nestjs/core'), imp('./auth.guard'), imp('./auth.module')]) {
    const errs = await boundaryErrors('libs/auth/src/service-auth.ts', code);
    assert.ok(errs.length > 0 && errs.every((e) => e.startsWith('@typescript-eslint/no-restricted-imports: ')), `${code}: ${errs.join('\n')}`);
  }
  assert.deepEqual(await boundaryErrors('libs/auth/src/service-auth.ts', valueOf('@kumo/common/core')), []);
  // the index may load Nest (AuthGuard)
  assert.deepEqual(await boundaryErrors('libs/auth/src/auth.guard.ts', imp('@nestjs/core')), []);
});
