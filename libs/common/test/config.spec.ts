import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig, port, serviceUserKeys } from '../src/config';

const sections = {
  identity: z.object({ port: z.number().int().default(5000), public_url: z.string().url() }).strict(),
};

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-cfg-'));
  const path = join(dir, 'kumo.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('reads a section and applies defaults', () => {
    const cfg = loadConfig(sections, { file: file('identity:\n  public_url: http://h:5000\n'), env: {} });
    expect(cfg.identity).toEqual({ port: 5000, public_url: 'http://h:5000' });
  });

  it('lets KUMO_<SECTION>_<KEY> override one key, parsed as a YAML scalar', () => {
    const cfg = loadConfig(sections, {
      file: file('identity:\n  public_url: http://h:5000\n'),
      env: { KUMO_IDENTITY_PORT: '5001' },
    });
    expect(cfg.identity.port).toBe(5001);
  });

  it('names the unknown key and the file', () => {
    const path = file('identity:\n  public_url: http://h:5000\n  prot: 1\n');
    expect(() => loadConfig(sections, { file: path, env: {} })).toThrow(
      new ConfigError(path, 'identity.prot', 'unknown key'),
    );
  });

  it('names a wrongly typed key', () => {
    const path = file('identity:\n  public_url: http://h:5000\n  port: abc\n');
    expect(() => loadConfig(sections, { file: path, env: {} })).toThrow(/identity\.port: Expected number/);
  });

  it('reports YAML syntax errors in one line', () => {
    const path = file('identity: [\n');
    expect(() => loadConfig(sections, { file: path, env: {} })).toThrow(/not valid YAML/);
  });

  it("gives a service section identity's service-user keys and a port, overridable like any key", () => {
    const image = { image: z.object({ port: port.default(9292), ...serviceUserKeys }).strict() };
    expect(loadConfig(image, { file: file(''), env: { KUMO_IMAGE_SERVICE_PASSWORD: 'pw' } }).image).toEqual({
      port: 9292,
      auth_url: 'http://127.0.0.1:5000/v3',
      service_user: 'kumo',
      service_password: 'pw',
      identity_public_url: 'http://127.0.0.1:5000',
    });
    expect(() => loadConfig(image, { file: file('image:\n  port: 70000\n'), env: {} })).toThrow(ConfigError);
  });
});
