// Shared jest settings: one jest project per workspace package, compiled by SWC with
// decorator metadata (NestJS needs it; see libs/common/src/decorator-metadata.spec.ts).
const fs = require('fs');
const path = require('path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));

// ESM-only packages that a CommonJS dependency requires (light-my-request 6.8 → cookie 2, under
// fastify's inject): Node loads them with require(esm), jest cannot, so SWC compiles them to
// CommonJS as it does our sources.
const ESM_ONLY = ['cookie'];
const esmOnly = `(${ESM_ONLY.join('|')})`;

module.exports = (dir) => ({
  displayName: path.relative(__dirname, dir),
  rootDir: dir,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
    [`/node_modules/(\\.pnpm/[^/]+/node_modules/)?${esmOnly}/.+\\.js$`]: ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?${esmOnly}[@/])`],
  // @kumo/<lib>/<entry>: a library's other entry (libs/common/core, libs/db/core and mysql-only: a
  // folder whose package.json points at dist/<entry>), from its source as the index
  moduleNameMapper: {
    '^@kumo/([a-z-]+)$': path.join(__dirname, 'libs/$1/src'),
    '^@kumo/([a-z-]+)/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/$2'),
  },
  testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,sys-spec,compat-spec,fuzz-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
});
