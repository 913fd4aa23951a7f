import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { currentContext } from '../src/context';
import { NotFound } from '../src/errors';
import { HealthController } from '../src/health.controller';
import { createHttpApp } from '../src/http-app';

@Controller()
class EchoController {
  @Get('ctx')
  ctx(): unknown {
    return { requestId: currentContext()?.requestId };
  }
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return { body: body ?? null };
  }
  @Get('missing')
  missing(): never {
    throw new NotFound('Could not find thing: x.');
  }
  @Get('boom')
  boom(): never {
    throw new Error('secret internals');
  }
}

@Module({ controllers: [EchoController, HealthController] })
class TestModule {}

describe('createHttpApp', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createHttpApp(TestModule, { service: 't', faultStyle: 'keystone', logger: pino({ level: 'silent' }) });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('makes a request id, echoes it, and exposes it in the context', async () => {
    const res = await app.inject({ method: 'GET', url: '/ctx' });
    const id = res.headers['x-openstack-request-id'];
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(res.json()).toEqual({ requestId: id });
  });

  it('keeps the caller request id', async () => {
    const given = 'req-11111111-2222-3333-4444-555555555555';
    const res = await app.inject({ method: 'GET', url: '/ctx', headers: { 'x-openstack-request-id': given } });
    expect(res.headers['x-openstack-request-id']).toBe(given);
    expect(res.json()).toEqual({ requestId: given });
  });

  it('answers malformed JSON with a 400 in the service style', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 400, title: 'Bad Request' });
    expect(res.headers['x-openstack-request-id']).toBeDefined();
  });

  it('accepts an empty JSON body', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ body: null });
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ a: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe(413);
  });

  it('renders domain errors and unknown routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 404, title: 'Not Found', message: 'Could not find thing: x.' } });
    const route = await app.inject({ method: 'GET', url: '/nope' });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.code).toBe(404);
  });

  it('never leaks internals of a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
  });

  it('serves /healthcheck', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthcheck' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('OK');
  });
});
