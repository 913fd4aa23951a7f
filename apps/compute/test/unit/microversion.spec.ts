import { ApiVersion, isVersionedPath, MAX_VERSION, MIN_VERSION, negotiateVersion, requestedVersionString } from '../../src/api/microversion';

describe('microversions', () => {
  it('parses X.Y as Nova does and refuses anything else with its 400 message', () => {
    expect(String(ApiVersion.parse('2.1'))).toBe('2.1');
    expect(String(ApiVersion.parse('2.0'))).toBe('2.0');
    expect(String(ApiVersion.parse('10.90'))).toBe('10.90');
    for (const bad of ['2', '2.', '.1', '2.01', '02.1', '0.1', '2.1.1', ' 2.1', '2.1 ', 'latest', 'LATEST', '2.x', '-2.1', '']) {
      expect(() => ApiVersion.parse(bad)).toThrow(`API Version String ${bad} is of invalid format. Must be of format MajorNum.MinorNum.`);
    }
  });

  it('compares major then minor (2.10 is after 2.9)', () => {
    expect(ApiVersion.parse('2.10').compare(ApiVersion.parse('2.9'))).toBeGreaterThan(0);
    expect(ApiVersion.parse('2.10').atLeast('2.2')).toBe(true);
    expect(ApiVersion.parse('2.1').atLeast('2.2')).toBe(false);
    expect(ApiVersion.parse('3.0').compare(ApiVersion.parse('2.99'))).toBeGreaterThan(0);
  });

  it("reads the standard header's last compute entry, else the legacy header's last value", () => {
    expect(requestedVersionString({})).toBeUndefined();
    expect(requestedVersionString({ 'openstack-api-version': 'compute 2.1' })).toBe('2.1');
    expect(requestedVersionString({ 'openstack-api-version': 'COMPUTE  2.5 ' })).toBe('2.5');
    expect(requestedVersionString({ 'openstack-api-version': 'compute 2.1, volume 3.0, compute 2.3' })).toBe('2.3');
    expect(requestedVersionString({ 'openstack-api-version': 'volume 3.60' })).toBeUndefined();
    expect(requestedVersionString({ 'openstack-api-version': 'volume 3.60', 'x-openstack-nova-api-version': '2.4' })).toBe('2.4');
    expect(requestedVersionString({ 'x-openstack-nova-api-version': '2.1, 2.7' })).toBe('2.7');
    expect(requestedVersionString({ 'openstack-api-version': ['compute 2.1', 'compute 2.2'] })).toBe('2.2');
    expect(requestedVersionString({ 'openstack-api-version': 'compute latest' })).toBe('latest');
  });

  it('negotiates: none is the minimum, latest the maximum, outside the range 406 with the range named', () => {
    expect(String(negotiateVersion({}))).toBe(MIN_VERSION);
    expect(String(negotiateVersion({ 'x-openstack-nova-api-version': 'latest' }))).toBe(MAX_VERSION);
    expect(() => negotiateVersion({ 'openstack-api-version': 'compute 2.90' })).toThrow(expect.objectContaining({ status: 406, message: `Version 2.90 is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.` }));
    expect(() => negotiateVersion({ 'openstack-api-version': 'compute 1.9' })).toThrow(expect.objectContaining({ status: 406 }));
    expect(() => negotiateVersion({ 'openstack-api-version': 'compute 2.x' })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('negotiates under /v2.1 only', () => {
    expect(isVersionedPath('/v2.1')).toBe(true);
    expect(isVersionedPath('/v2.1/flavors')).toBe(true);
    expect(isVersionedPath('/')).toBe(false);
    expect(isVersionedPath('/v2')).toBe(false);
    expect(isVersionedPath('/v2.10/flavors')).toBe(false);
    expect(isVersionedPath('/healthcheck')).toBe(false);
  });
});
