import { SKIPPED_TYPEORM_DRIVERS, skipUnusedTypeormDrivers } from '../src/mysql-only';

describe('@kumo/db/mysql-only', () => {
  it("puts every driver but MySQL's in the module cache as a class that refuses to be built", () => {
    const cache: NodeJS.Dict<NodeJS.Module> = {};
    const files = skipUnusedTypeormDrivers(cache);
    // TypeORM 0.3 has each of them: a moved file would silently save nothing, so the test says so
    expect(files).toHaveLength(SKIPPED_TYPEORM_DRIVERS.length);
    expect(files.some((f) => /mysql/i.test(f.split('/driver/')[1].split('/')[0]) && !/aurora/.test(f))).toBe(false);
    const postgres = cache[files.find((f) => f.endsWith('/postgres/PostgresDriver.js'))!]!.exports as Record<string, new () => unknown>;
    expect(() => new postgres.PostgresDriver()).toThrow('PostgresDriver: Kumo runs TypeORM on MySQL/MariaDB only');
  });

  it('leaves a driver that is already loaded alone', () => {
    const first: NodeJS.Dict<NodeJS.Module> = {};
    const [file] = skipUnusedTypeormDrivers(first);
    const loaded = { exports: { real: true } } as unknown as NodeJS.Module;
    const cache: NodeJS.Dict<NodeJS.Module> = { [file]: loaded };
    expect(skipUnusedTypeormDrivers(cache)).not.toContain(file);
    expect(cache[file]).toBe(loaded);
  });
});
