import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { chooseEncoding, originAllowed, tokenOf } from '../../../src/console/console-proxy';
import { consoleSection } from '../../../src/console/console.config';
import { consoleUrl, hashConsoleToken, newConsoleToken } from '../../../src/services/console-tokens';

const req = (url: string, headers: Record<string, string> = {}) =>
  ({ url, headers }) as unknown as IncomingMessage;

describe('console tokens and URLs', () => {
  it('makes random UUID tokens and keeps only their sha256', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newConsoleToken()));
    expect(tokens.size).toBe(1000);
    const t = [...tokens][0];
    expect(t).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hashConsoleToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(hashConsoleToken(t)).toHaveLength(64);
    expect(hashConsoleToken(t)).not.toContain(t);
  });

  it("builds Nova's serial URL: the base URL with ?token=, keeping its path and query", () => {
    expect(consoleUrl('ws://127.0.0.1:6083/', 'abc')).toBe('ws://127.0.0.1:6083/?token=abc');
    expect(consoleUrl('ws://console.example:6083', 'abc')).toBe('ws://console.example:6083/?token=abc');
    expect(consoleUrl('wss://gw.example/serial/?x=1', 'a b&c')).toBe(
      'wss://gw.example/serial/?x=1&token=a+b%26c',
    );
    // a base URL that carries a token already gets this one instead
    expect(consoleUrl('ws://h:6083/?token=old', 'new')).toBe('ws://h:6083/?token=new');
  });

  it('accepts only ws:// and wss:// base URLs, 600 s tokens and port 6083 by default', () => {
    expect(consoleSection.parse({})).toMatchObject({
      base_url: 'ws://127.0.0.1:6083/',
      proxy_port: 6083,
      console_token_ttl: 600,
      allowed_origins: [],
    });
    expect(consoleSection.safeParse({ base_url: 'http://127.0.0.1:6083/' }).success).toBe(false);
    expect(consoleSection.safeParse({ console_token_ttl: 0 }).success).toBe(false);
    expect(consoleSection.safeParse({ typo: 1 }).success).toBe(false);
  });
});

describe('the proxy before the upgrade', () => {
  it('prefers the binary subprotocol, then base64; none offered is binary frames; others are refused', () => {
    expect(chooseEncoding(new Set(['base64', 'binary']))).toBe('binary');
    expect(chooseEncoding(new Set(['base64']))).toBe('base64');
    expect(chooseEncoding(new Set())).toBe('none');
    expect(chooseEncoding(new Set(['chat']))).toBeUndefined();
  });

  it('reads the token from the query, else from a token cookie', () => {
    expect(tokenOf(req('/?token=abc'))).toBe('abc');
    expect(tokenOf(req('/?x=1&token=a%20b'))).toBe('a b');
    expect(tokenOf(req('/', { cookie: 'a=1; token=from%2Dcookie; b=2' }))).toBe('from-cookie');
    expect(tokenOf(req('/?token=q', { cookie: 'token=c' }))).toBe('q');
    expect(tokenOf(req('/'))).toBeUndefined();
    expect(tokenOf(req('/?token='))).toBeUndefined();
  });

  it("lets a browser in only from the proxy's own host name or an allowed origin (Nova's check); no Origin passes", () => {
    expect(originAllowed(req('/', { host: '127.0.0.1:6083' }), [])).toBe(true);
    expect(originAllowed(req('/', { host: '127.0.0.1:6083', origin: 'http://127.0.0.1:8000' }), [])).toBe(
      true,
    );
    expect(originAllowed(req('/', { host: 'Cloud.Example:6083', origin: 'https://cloud.example' }), [])).toBe(
      true,
    );
    expect(originAllowed(req('/', { host: '127.0.0.1:6083', origin: 'http://evil.example' }), [])).toBe(
      false,
    );
    expect(
      originAllowed(req('/', { host: '127.0.0.1:6083', origin: 'http://dash.example' }), ['dash.example']),
    ).toBe(true);
    expect(
      originAllowed(
        req('/', {
          host: 'inner:6083',
          'x-forwarded-host': 'cloud.example',
          origin: 'https://cloud.example',
        }),
        [],
      ),
    ).toBe(true);
    expect(originAllowed(req('/', { host: '127.0.0.1:6083', origin: 'null' }), [])).toBe(false);
    expect(originAllowed(req('/', { host: '127.0.0.1:6083', origin: 'not a url' }), [])).toBe(false);
  });
});
