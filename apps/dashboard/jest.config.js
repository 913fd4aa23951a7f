const fs = require('fs');
const path = require('path');

const preset = require('../../jest.preset')(__dirname);
const root = path.join(__dirname, '../..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));

// @fastify/static 10 requires content-disposition 3, an ES module (Node loads it with require(esm),
// jest cannot): SWC compiles it to CommonJS, as the preset does for cookie.
const ESM_ONLY = ['cookie', 'content-disposition'];
const esmOnly = `(${ESM_ONLY.join('|')})`;
const esmTransform = ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' } } }];
const transform = Object.fromEntries(Object.entries(preset.transform).filter(([pattern]) => pattern.startsWith('^')));

module.exports = {
  ...preset,
  transform: { ...transform, [`/node_modules/(\\.pnpm/[^/]+/node_modules/)?${esmOnly}/.+\\.js$`]: esmTransform },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?${esmOnly}[@/])`],
  // the browser tier (run_tests.sh): Playwright drives Debian's chromium through the stack's dashboard
  testMatch: [...preset.testMatch, '<rootDir>/test/**/*.browser-spec.ts'],
};
