import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import pino from 'pino';
import { createHttpApp, httpRoutes } from '../src/http-app';
import type { FaultStyle } from '../src/faults';

/**
 * Errors raised by Node's HTTP parser and by Fastify before a route runs, sent over a real socket:
 * each answer must carry x-openstack-request-id and the service's OpenStack fault body.
 */
@Controller()
class EdgeController {
  @Get('things/:id')
  thing(@Param('id') id: string): unknown {
    return { id };
  }
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return { body: body ?? null };
  }
}

@Module({ controllers: [EdgeController] })
class EdgeModule {}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes, then reads until the server closes or the answer is complete. */
function raw(port: number, bytes: string | Buffer, opts: { end?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 5 s; got: ${Buffer.concat(chunks).toString('latin1')}`));
    }, 5000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer; got: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && len && text.length - split - 4 >= Number(len[1])) finish();
    });
    socket.on('end', finish);
    socket.on('error', () => (chunks.length ? finish() : reject(new Error('socket error before any answer'))));
    socket.write(bytes);
    if (opts.end) socket.end();
  });
}

function expectKeystoneFault(res: RawAnswer, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as { error: { code: number; title: string; message: string } };
  expect(body.error).toEqual({ code: status, title: expect.any(String), message: expect.any(String) });
  expect(body.error.message).not.toMatch(/FST_|Client Error/);
}

async function startOn(style: FaultStyle): Promise<{ app: NestFastifyApplication; port: number }> {
  const app = await createHttpApp(EdgeModule, { service: 't', faultStyle: style, logger: pino({ level: 'silent' }) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, port: address.port };
}

describe('framework-level errors on the wire (keystone style)', () => {
  let app: NestFastifyApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await startOn('keystone'));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a bad URL (GET /%) with a 400 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, 'GET /% HTTP/1.1\r\nHost: x\r\n\r\n'), 400);
  });

  it('answers a path segment over the parameter limit with a 414 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, `GET /things/${'a'.repeat(1500)} HTTP/1.1\r\nHost: x\r\n\r\n`), 414);
  });

  it('routes a path parameter of 255 characters (a Glance tag may be that long)', async () => {
    const res = await raw(port, `GET /things/${'t'.repeat(255)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: 't'.repeat(255) });
  });

  it('keeps the caller request id on a framework error', async () => {
    const given = 'req-11111111-2222-3333-4444-555555555555';
    const res = await raw(port, `GET /% HTTP/1.1\r\nHost: x\r\nX-OpenStack-Request-Id: ${given}\r\n\r\n`);
    expect(res.headers['x-openstack-request-id']).toBe(given);
  });

  it('answers headers over the size limit with a 431 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, `GET /things/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431);
  });

  it('answers a malformed request line with a 400 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, 'THIS IS NOT HTTP\r\n\r\n'), 400);
  });

  it('answers an invalid character in a header with a 400 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, 'GET /things/a HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n'), 400);
  });

  it('answers bad chunked encoding with a 400 fault and a request id', async () => {
    const req = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n';
    expectKeystoneFault(await raw(port, req), 400);
  });

  it('answers both Content-Length and chunked with a 400 fault and a request id', async () => {
    const req = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}';
    expectKeystoneFault(await raw(port, req), 400);
  });

  it('answers a body that is not JSON with a 400 fault, as Keystone does, and a request id', async () => {
    const req = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi';
    const res = await raw(port, req);
    expectKeystoneFault(res, 400);
    expect(JSON.parse(res.body).error.message).toMatch(/^Expecting to find application\/json in Content-Type header/);
  });

  it('answers an unparsable Content-Type with a 4xx fault and a request id', async () => {
    const req = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: ;;;\r\nContent-Length: 2\r\n\r\n{}';
    const res = await raw(port, req);
    expectKeystoneFault(res, res.status);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('answers malformed JSON with a 400 fault and a request id', async () => {
    const req = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":';
    expectKeystoneFault(await raw(port, req), 400);
  });

  it('answers a body over the limit with a 413 fault and a request id', async () => {
    const req = `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`;
    expectKeystoneFault(await raw(port, req), 413);
  });

  it('answers an unknown route with a 404 fault and a request id', async () => {
    expectKeystoneFault(await raw(port, 'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n'), 404);
  });

  it('answers a known path with a method it does not serve with a 405 fault naming the methods it does', async () => {
    const res = await raw(port, 'DELETE /things/a HTTP/1.1\r\nHost: x\r\n\r\n');
    expectKeystoneFault(res, 405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(res.body).error.message).toBe('The method DELETE is not allowed for this resource: it accepts GET, HEAD.');
    // a path no route serves stays a 404, also one that only looks like a route's prefix
    expectKeystoneFault(await raw(port, 'DELETE /things/a/b HTTP/1.1\r\nHost: x\r\n\r\n'), 404);
  });

  it('answers an unknown method with a 4xx fault and a request id', async () => {
    const res = await raw(port, 'BREW /things/a HTTP/1.1\r\nHost: x\r\n\r\n');
    expectKeystoneFault(res, res.status);
    expect([400, 404, 405, 501]).toContain(res.status);
  });
});

describe('framework-level errors on the wire (glance, swift and nova styles)', () => {
  it('answers a body that is not JSON with a 415 in the Nova style', async () => {
    const { app, port } = await startOn('nova');
    try {
      const res = await raw(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi');
      expect(res.status).toBe(415);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(JSON.parse(res.body)).toEqual({ badMediaType: { code: 415, message: expect.any(String) } });
    } finally {
      await app.close();
    }
  });

  it('renders a parser error in the Glance style', async () => {
    const { app, port } = await startOn('glance');
    try {
      const res = await raw(port, 'THIS IS NOT HTTP\r\n\r\n');
      expect(res.status).toBe(400);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(JSON.parse(res.body)).toEqual({ error: { message: expect.any(String), code: '400 Bad Request', title: 'Bad Request' } });
      const url = await raw(port, 'GET /% HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(url.status).toBe(400);
      expect(url.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(JSON.parse(url.body)).toEqual({ error: { message: expect.any(String), code: '400 Bad Request', title: 'Bad Request' } });
    } finally {
      await app.close();
    }
  });

  it('renders a 431 in the Swift style', async () => {
    const { app, port } = await startOn('swift');
    try {
      const res = await raw(port, `GET /things/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(res.body).toMatch(/^<html><h1>/);
    } finally {
      await app.close();
    }
  });
});

describe('httpRoutes', () => {
  it('lists the routes the app registered', async () => {
    const { app } = await startOn('keystone');
    try {
      expect(httpRoutes(app)).toEqual(expect.arrayContaining([{ method: 'GET', url: '/things/:id' }, { method: 'POST', url: '/echo' }]));
    } finally {
      await app.close();
    }
  });
});

describe('parser errors on HEAD', () => {
  it('answers a HEAD with headers over the limit without a body', async () => {
    const { app, port } = await startOn('keystone');
    try {
      const res = await raw(port, `HEAD /things/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(res.body).toBe('');
    } finally {
      await app.close();
    }
  });
});
