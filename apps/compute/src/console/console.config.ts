import { commonSections, loadConfigOrExit, type LoadOptions } from '@kumo/common/core';
import { z } from 'zod';

/**
 * The serial console (`compute_console` in kumo.yaml; KUMO_COMPUTE_CONSOLE_<KEY> overrides), read
 * by the API (the URL it hands out, the tokens' lifetime) and by the console proxy (where it
 * listens, which browser origins it accepts). Nova's [serial_console] and [consoleauth] options.
 */
export const consoleSection = z
  .object({
    /** Where clients reach the proxy; the URL handed out is this with `?token=` (Nova's serial_console.base_url). */
    base_url: z
      .string()
      .url()
      .refine((u) => /^wss?:\/\//.test(u), 'must be a ws:// or wss:// URL')
      .default('ws://127.0.0.1:6083/'),
    /** The proxy's listening address and port (Nova's serialproxy_host/serialproxy_port). */
    proxy_host: z.string().default('0.0.0.0'),
    proxy_port: z.number().int().min(1).max(65535).default(6083),
    /** Seconds a console token is good for (Nova's consoleauth.token_ttl); one connection per token. */
    console_token_ttl: z.number().int().min(1).max(86_400).default(600),
    /**
     * Browser origins (host names) accepted besides the proxy's own host, as Nova's
     * console.allowed_origins: a websocket whose Origin names another host is refused (403).
     */
    allowed_origins: z.array(z.string().min(1)).default([]),
    /** Milliseconds the proxy waits for the agent to say where the console is. */
    agent_timeout_ms: z.number().int().positive().default(10_000),
  })
  .strict();

export type ConsoleSettings = z.infer<typeof consoleSection>;

/** The console proxy's config: the database (tokens), the bus (the agents) and its section. */
export const consoleProxyConfigSections = { ...commonSections, compute_console: consoleSection.default({}) };
export type ConsoleProxyConfig = {
  [K in keyof typeof consoleProxyConfigSections]: z.infer<(typeof consoleProxyConfigSections)[K]>;
};

export function loadConsoleProxyConfig(opts?: LoadOptions): ConsoleProxyConfig {
  return loadConfigOrExit(consoleProxyConfigSections, opts);
}
