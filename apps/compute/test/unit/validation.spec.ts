import { parseFlavorListQuery, createFlavorSchema } from '../../src/api/flavors/flavors.schema';
import { parseFlavorAction } from '../../src/api/flavor-access/flavor-access.schema';
import { parseCreateSpecs, parseUpdateSpec } from '../../src/api/extra-specs/extra-specs.schema';
import { isValidName, parseBody } from '../../src/api/validation';

describe('request validation', () => {
  it("names printable names valid, not those with edge whitespace or control characters (Nova's valid_name_regex)", () => {
    for (const ok of ['a', 'm1.tiny', '梅', 'with inner space', 'x y', '😀']) expect(isValidName(ok)).toBe(true);
    for (const bad of [' a', 'a ', '\ta', 'a\u0000b', 'a\nb', '\u3000a']) expect(isValidName(bad)).toBe(false);
  });

  it('maps the create body to a new flavor with defaults', () => {
    expect(parseBody(createFlavorSchema, { flavor: { name: 'n', ram: 1, vcpus: 1, disk: 0 } })).toEqual({ name: 'n', flavorid: undefined, memoryMb: 1, vcpus: 1, rootGb: 0, ephemeralGb: 0, swap: 0, rxtxFactor: 1, isPublic: true });
    expect(() => parseBody(createFlavorSchema, { flavor: { name: 'n', ram: 2 ** 31, vcpus: 1, disk: 0 } })).toThrow('Invalid input for field/attribute ram. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647');
    expect(() => parseBody(createFlavorSchema, { flavor: { name: 'n', ram: 1.5, vcpus: 1, disk: 0 } })).toThrow("Value: 1.5. 1.5 is not of type 'integer', 'string'");
    expect(() => parseBody(createFlavorSchema, { flavor: { name: 'n', ram: 1, vcpus: 1, disk: 0, rxtx_factor: 0 } })).toThrow('0 is less than or equal to the minimum of 0');
    expect(() => parseBody(createFlavorSchema, [])).toThrow("[] is not of type 'object'");
  });

  it("parses list queries: last value wins, admins' is_public only, sort keys and limits checked", () => {
    expect(parseFlavorListQuery({ limit: ['1', '3'], sort_key: 'name', sort_dir: 'desc', minRam: ' 5 ' }, true)).toEqual({ isPublic: true, minMemoryMb: 5, minRootGb: undefined, sortKey: 'name', sortDir: 'desc', limit: 3, marker: undefined });
    expect(parseFlavorListQuery({ is_public: 'none' }, true).isPublic).toBeNull();
    expect(parseFlavorListQuery({ is_public: 'no' }, true).isPublic).toBe(false);
    expect(parseFlavorListQuery({ is_public: 'no' }, false).isPublic).toBe(true);
    expect(() => parseFlavorListQuery({ sort_key: '__proto__' }, true)).toThrow(/sort_key/);
    expect(() => parseFlavorListQuery({ limit: '' }, true)).toThrow("Invalid input for query parameters limit. Value: ''. '' is too short");
    expect(() => parseFlavorListQuery({ minDisk: '1e3' }, true)).toThrow('Invalid minDisk filter [1e3]');
  });

  it('peeks the action, then checks its body', () => {
    expect(parseFlavorAction({ addTenantAccess: { tenant: 'p' } })).toEqual({ action: 'addTenantAccess', tenant: 'p' });
    expect(() => parseFlavorAction(null)).toThrow('Malformed request body');
    expect(() => parseFlavorAction({ removeTenantAccess: { tenant: 't'.repeat(256) } })).toThrow(/is too long/);
  });

  it('checks extra spec keys and values', () => {
    expect(parseCreateSpecs({ extra_specs: { 'a:b': 1, 'c d': 'e' } })).toEqual({ 'a:b': 1, 'c d': 'e' });
    expect(() => parseCreateSpecs({ extra_specs: { '': 'x' } })).toThrow(/does not match any of the regexes/);
    expect(() => parseCreateSpecs({ extra_specs: { a: null } })).toThrow("Invalid input for field/attribute a. Value: None. None is not of type 'string', 'number'");
    expect(() => parseUpdateSpec('a', {})).toThrow('{} does not have enough properties');
  });
});
