// One jest project per workspace package that has a jest.config.js.
const fs = require('fs');
const path = require('path');

const projects = ['libs', 'apps', 'tools']
  .flatMap((group) => {
    const dir = path.join(__dirname, group);
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name, 'jest.config.js')) : [];
  })
  .filter((file) => fs.existsSync(file));

module.exports = { projects };
