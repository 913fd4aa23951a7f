import { z } from 'zod';
import { Conflict, KumoError, NotFound } from '../src/errors';
import { renderFault, toFault } from '../src/faults';

describe('faults', () => {
  it('renders Keystone style', () => {
    const r = renderFault('keystone', toFault(new NotFound('Could not find project: x.')));
    expect(r.status).toBe(404);
    expect(r.contentType).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ error: { code: 404, title: 'Not Found', message: 'Could not find project: x.' } });
  });

  it("renders a 415 in Keystone style as Keystone's 400 ValidationError, and leaves it a 415 elsewhere", () => {
    const raised = { status: 415, message: 'Unsupported Content-Type: send application/json.' };
    const r = renderFault('keystone', raised);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      error: { code: 400, title: 'Bad Request', message: expect.stringMatching(/^Expecting to find application\/json in Content-Type header\. /) },
    });
    expect(renderFault('nova', raised).status).toBe(415);
    expect(renderFault('glance', raised).status).toBe(415);
  });

  it('renders Nova style keys', () => {
    expect(JSON.parse(renderFault('nova', toFault(new NotFound('no'))).body)).toEqual({
      itemNotFound: { code: 404, message: 'no' },
    });
    expect(JSON.parse(renderFault('nova', toFault(new Conflict('busy'))).body)).toEqual({
      conflictingRequest: { code: 409, message: 'busy' },
    });
  });

  it("names a status Nova has no key for computeFault, as Nova's Fault does (406 of an unsupported microversion, 414, 500)", () => {
    expect(JSON.parse(renderFault('nova', { status: 406, message: 'Version 2.99 is not supported by the API.' }).body)).toEqual({
      computeFault: { code: 406, message: 'Version 2.99 is not supported by the API.' },
    });
    expect(Object.keys(JSON.parse(renderFault('nova', { status: 414, message: 'long' }).body))).toEqual(['computeFault']);
    expect(JSON.parse(renderFault('nova', toFault(new Error('boom'))).body)).toEqual({
      computeFault: { code: 500, message: 'An unexpected error prevented the server from fulfilling your request.' },
    });
  });

  it('renders Neutron style with the error class as type', () => {
    class NetworkNotFound extends NotFound {}
    const body = JSON.parse(renderFault('neutron', toFault(new NetworkNotFound('Network x could not be found.'))).body);
    expect(body).toEqual({ NeutronError: { type: 'NetworkNotFound', message: 'Network x could not be found.', detail: '' } });
  });

  it('renders Swift and Glance as text/html unless JSON is accepted', () => {
    expect(renderFault('swift', toFault(new NotFound('The resource could not be found.'))).body).toBe(
      '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>',
    );
    const glance = renderFault('glance', toFault(new NotFound('No image <x>')));
    expect(glance.contentType).toBe('application/json');
    expect(JSON.parse(glance.body)).toEqual({ error: { message: 'No image <x>', code: '404 Not Found', title: 'Not Found' } });
  });

  it('hides internal errors behind a generic message', () => {
    const f = toFault(new Error('database password is hunter2'));
    expect(f.status).toBe(500);
    expect(f.message).not.toContain('hunter2');
    expect(toFault(new KumoError('secret detail')).message).not.toContain('secret');
  });

  it('turns zod errors into a 400 naming the field', () => {
    let error: unknown;
    try {
      z.object({ name: z.string() }).parse({ name: 3 });
    } catch (err) {
      error = err;
    }
    expect(toFault(error)).toMatchObject({ status: 400, message: expect.stringContaining("'name'") });
  });
});
