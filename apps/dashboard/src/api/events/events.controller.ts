import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { REQUEST_ID_HEADER } from '@kumo/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin } from '../../services/auth.service';
import { DashboardEvent, EventHub, visibleTo } from '../../services/event-hub';
import { SessionStore } from '../../services/session.store';
import { requireSession } from '../../session-http';
import { DASHBOARD_OPTIONS, DashboardOptions } from '../../tokens';

/** One SSE frame: `event` (default `message`), `id`, and the JSON data. */
export function sseFrame(data: unknown, event?: string, id?: number): string {
  return `${event ? `event: ${event}\n` : ''}${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * GET /events: the bus's notifications as Server-Sent Events, those the session may see (its
 * project's; an admin's session: all), each a `message` with `{type, payload, at}`. An `bus` event
 * says whether the bus feeds the stream (`{"connected": false}`: poll until it says true again);
 * a comment every `heartbeatMs` keeps proxies from closing it. The session is checked on every
 * event: a stream ends when its session does (logout, idle, expiry), and follows a project switch.
 */
@Controller('events')
export class EventsController {
  constructor(
    private readonly hub: EventHub,
    private readonly sessions: SessionStore,
    @Inject(DASHBOARD_OPTIONS) private readonly opts: DashboardOptions,
  ) {}

  @Get()
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const session = requireSession(this.sessions, request);
    const id = session.id;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      [REQUEST_ID_HEADER]: String(reply.getHeader(REQUEST_ID_HEADER) ?? ''),
    });
    res.write(`retry: 3000\n${sseFrame({ connected: this.hub.connected }, 'bus')}`);
    let closed = false;
    const live = () => {
      const s = this.sessions.peek(id);
      if (!s) {
        end();
        return undefined;
      }
      return s;
    };
    const onEvent = (e: DashboardEvent) => {
      const s = live();
      if (!s || !visibleTo(e, { projectId: s.scoped.project?.id ?? '', admin: isAdmin(s.scoped) })) return;
      res.write(sseFrame({ type: e.type, payload: e.payload, at: e.at }, undefined, e.seq));
    };
    const onState = (connected: boolean) => res.write(sseFrame({ connected }, 'bus'));
    const unlisten = this.hub.listen(onEvent, onState);
    const heartbeat = setInterval(() => {
      if (live()) res.write(': keep-alive\n\n');
    }, this.opts.heartbeatMs);
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unlisten();
      res.end();
    };
    request.raw.on('close', end);
  }
}
