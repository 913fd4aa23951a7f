import { objectStoreUrl } from '../src/swift-auth';

// trimmed from a real Kumo token (POST /v3/auth/tokens)
const token = {
  token: {
    catalog: [
      {
        type: 'identity',
        endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://127.0.0.1:5000/v3' }],
      },
      {
        type: 'object-store',
        endpoints: [
          { interface: 'admin', region: 'RegionOne', url: 'http://10.0.0.1:8080/v1/AUTH_c3cf' },
          { interface: 'public', region: 'RegionTwo', url: 'http://10.0.0.2:8080/v1/AUTH_c3cf' },
          {
            interface: 'public',
            region: 'RegionOne',
            region_id: 'RegionOne',
            url: 'http://127.0.0.1:8080/v1/AUTH_c3cf/',
          },
        ],
      },
    ],
  },
};

describe('bench object-store endpoint', () => {
  it('picks the public object-store endpoint, in a region when asked', () => {
    expect(objectStoreUrl(token)).toBe('http://10.0.0.2:8080/v1/AUTH_c3cf');
    expect(objectStoreUrl(token, 'RegionOne')).toBe('http://127.0.0.1:8080/v1/AUTH_c3cf');
  });

  it('says what is missing', () => {
    expect(() => objectStoreUrl({ token: {} })).toThrow(/no catalog/);
    expect(() => objectStoreUrl({ token: { catalog: [token.token.catalog[0]] } })).toThrow(/no object-store/);
    expect(() => objectStoreUrl(token, 'Elsewhere')).toThrow(/no public endpoint in region Elsewhere/);
  });
});
