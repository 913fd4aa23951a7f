// Shared jest settings: one jest project per workspace package, compiled by SWC with
// decorator metadata (NestJS needs it; see libs/common/src/decorator-metadata.spec.ts).
const fs = require('fs');
const path = require('path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));

module.exports = (dir) => ({
  displayName: path.relative(__dirname, dir),
  rootDir: dir,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: { '^@kumo/([a-z-]+)$': path.join(__dirname, 'libs/$1/src') },
  testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,sys-spec,compat-spec,fuzz-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
});
