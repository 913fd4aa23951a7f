import { createHmac } from 'node:crypto';
import { parseTempUrl, tempUrlDisposition, validTempUrl } from '../../src/proxy/tempurl';

describe('temp URLs', () => {
  const path = '/v1/AUTH_p/c/dir/o.txt';
  const now = 1_800_000_000;
  const sign = (digest: string, key: string, body: string) => createHmac(digest, key).update(body).digest('hex');
  const q = (sig: string, expires: number | string, extra = '') => parseTempUrl(new URLSearchParams(`temp_url_sig=${sig}&temp_url_expires=${expires}${extra}`))!;

  it.each(['sha1', 'sha256', 'sha512'])('accepts a %s signature made with any of the keys, until it expires', (digest) => {
    const sig = sign(digest, 'k2', `GET\n${now + 60}\n${path}`);
    expect(validTempUrl(q(sig, now + 60), 'GET', path, ['k1', 'k2'], now)).toBe(true);
    expect(validTempUrl(q(sig, now + 60), 'HEAD', path, ['k2'], now)).toBe(true);
    expect(validTempUrl(q(sig, now + 60), 'GET', path, ['k2'], now + 61)).toBe(false);
    expect(validTempUrl(q(sig, now + 60), 'PUT', path, ['k2'], now)).toBe(false);
    expect(validTempUrl(q(sig, now + 60), 'GET', '/v1/AUTH_p/c/other', ['k2'], now)).toBe(false);
    expect(validTempUrl(q(sig, now + 60), 'GET', path, ['k1'], now)).toBe(false);
  });

  it('accepts base64 signatures with a digest prefix and ISO 8601 expiry', () => {
    const expires = Date.parse('2027-01-15T10:00:00Z') / 1000;
    const b64 = createHmac('sha512', 'k').update(`GET\n${expires}\n${path}`).digest('base64');
    expect(validTempUrl(q(`sha512:${encodeURIComponent(b64)}`, '2027-01-15T10:00:00Z'), 'GET', path, ['k'], now)).toBe(true);
  });

  it('checks prefix-based signatures against the object name', () => {
    const sig = sign('sha256', 'k', `GET\n${now + 60}\nprefix:/v1/AUTH_p/c/dir/`);
    expect(validTempUrl(q(sig, now + 60, '&temp_url_prefix=dir/'), 'GET', path, ['k'], now)).toBe(true);
    expect(validTempUrl(q(sig, now + 60, '&temp_url_prefix=dir/'), 'GET', '/v1/AUTH_p/c/elsewhere/o', ['k'], now)).toBe(false);
  });

  it('rejects malformed parameters', () => {
    expect(parseTempUrl(new URLSearchParams('temp_url_sig=abc'))).toBeNull();
    expect(parseTempUrl(new URLSearchParams('temp_url_sig=abc&temp_url_expires=tomorrow'))).toBeNull();
    expect(validTempUrl(q('zz', now + 60), 'GET', path, ['k'], now)).toBe(false);
    expect(validTempUrl(q('abcd', now + 60), 'GET', path, ['k'], now)).toBe(false);
  });

  it('names the download', () => {
    expect(tempUrlDisposition(q('x', 1), 'dir/o.txt')).toBe(`attachment; filename="o.txt"; filename*=UTF-8''o.txt`);
    expect(tempUrlDisposition(q('x', 1, '&inline'), 'dir/o.txt')).toBe('inline');
    expect(tempUrlDisposition(q('x', 1, '&filename=r%C3%A9sum%C3%A9.pdf&inline'), 'o')).toBe(`inline; filename="r%C3%A9sum%C3%A9.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    // Swift's disposition_format: nothing in filename= can end the header or the quoted string
    expect(tempUrlDisposition(q('x', 1, '&filename=a%0D%0Ab%22c%20d.txt'), 'o')).toBe(`attachment; filename="a%0D%0Ab%22c d.txt"; filename*=UTF-8''a%0D%0Ab%22c%20d.txt`);
  });
});
