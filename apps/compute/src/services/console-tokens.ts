import { createHash, randomUUID } from 'node:crypto';

/** A new console token: a random UUID, as Nova's ConsoleAuthToken makes (122 random bits). */
export function newConsoleToken(): string {
  return randomUUID();
}

/** What the database keeps of a token: its hex sha256 (a leaked table row opens no console). */
export function hashConsoleToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The URL a client opens: the proxy's base URL with `token=` added to its query (Nova's
 * ConsoleAuthToken.access_url for serial consoles: `<base_url>?token=<token>`).
 */
export function consoleUrl(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
