import fastifyCookie from '@fastify/cookie';
import { createHttpApp, Logger } from '@kumo/common';
import type { Messaging } from '@kumo/messaging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { IdentityClient } from './clients/identity.client';
import type { DashboardSection } from './config';
import { DashboardModule } from './dashboard.module';
import { registerApiProxy } from './proxy/api-proxy';
import { AuthService } from './services/auth.service';
import { EventHub } from './services/event-hub';
import { SessionStore } from './services/session.store';
import { registerWebApp } from './static/web-app';

export interface DashboardAppDeps {
  config: DashboardSection;
  bus: Messaging;
  logger: Logger;
  /** SSE keep-alive interval (default 15 s; tests shorten it). */
  heartbeatMs?: number;
}

export interface DashboardApp {
  app: NestFastifyApplication;
  auth: AuthService;
  hub: EventHub;
  /** Stops the session sweeper and the bus consumer (the app itself: app.close()). */
  close(): Promise<void>;
}

/**
 * The dashboard server: the session routes and the event stream (Nest), the API proxy and the
 * built app (Fastify routes beside them), cookies parsed for all. Not yet listening.
 */
export async function createDashboardApp(deps: DashboardAppDeps): Promise<DashboardApp> {
  const { config, logger } = deps;
  const identity = new IdentityClient(config.auth_url, config.identity_timeout_ms);
  // eslint-disable-next-line prefer-const -- the store's onEnd needs the service made from it
  let auth: AuthService;
  const sessions = new SessionStore({ idleTimeoutMs: config.session_idle_timeout * 1000, maxSessions: config.max_sessions }, (s) => auth.ended(s));
  auth = new AuthService(identity, sessions, logger);
  const hub = new EventHub(deps.bus, logger);
  const app = await createHttpApp(DashboardModule.forRoot({ auth, hub, options: { cookieSecure: config.cookie_secure, heartbeatMs: deps.heartbeatMs ?? 15_000 } }), {
    service: 'dashboard',
    faultStyle: 'keystone',
    logger,
    bodyLimit: 64 * 1024,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(fastifyCookie);
  await registerApiProxy(fastify, { sessions, logger, timeoutMs: config.proxy_timeout_ms });
  await registerWebApp(fastify, config.web_root, logger);
  await hub.start();
  const sweeper = setInterval(() => sessions.sweep(), 60_000);
  sweeper.unref();
  return {
    app,
    auth,
    hub,
    async close() {
      clearInterval(sweeper);
      await hub.close();
    },
  };
}
