/** What the Nest module is given (app.ts builds it from the config). */
export interface DashboardOptions {
  cookieSecure: boolean;
  /** SSE keep-alive comment interval (ms). */
  heartbeatMs: number;
}

export const DASHBOARD_OPTIONS = Symbol('DASHBOARD_OPTIONS');
