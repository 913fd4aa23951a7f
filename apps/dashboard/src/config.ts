import { join } from 'node:path';
import { commonSections, ConfigOf, loadConfigOrExit, LoadOptions, port } from '@kumo/common';
import { z } from 'zod';

export const dashboardSection = z
  .object({
    port: port.default(8000),
    bind_host: z.string().default('0.0.0.0'),
    /** Identity's URL (with or without /v3): where users log in and the catalog comes from. */
    auth_url: z.string().url().default('http://127.0.0.1:5000/v3'),
    /** The built app (Vite's output); default: this package's dist/web. */
    web_root: z.string().default(join(__dirname, 'web')),
    /** Send the cookies with `Secure` (set it when the dashboard is served over HTTPS). */
    cookie_secure: z.boolean().default(false),
    /** A session unused this long ends (seconds; Horizon's SESSION_TIMEOUT is 3600). */
    session_idle_timeout: z.number().int().min(60).default(3600),
    /** Sessions kept at once; past this the least recently used one ends. */
    max_sessions: z.number().int().min(1).default(10_000),
    /** Time for an API behind the proxy to answer with its headers (ms). */
    proxy_timeout_ms: z.number().int().min(1000).default(120_000),
    /** Per request to identity (ms). */
    identity_timeout_ms: z.number().int().min(500).default(10_000),
  })
  .strict();

export const dashboardConfigSections = { ...commonSections, dashboard: dashboardSection.default({}) };
export type DashboardConfig = ConfigOf<typeof dashboardConfigSections>;
export type DashboardSection = DashboardConfig['dashboard'];

export function loadDashboardConfig(opts?: LoadOptions): DashboardConfig {
  return loadConfigOrExit(dashboardConfigSections, opts);
}
