import { z } from 'zod';
import { BadRequest } from '@kumo/common';
import { parseBody } from '../validation';

const tenant = (action: string) =>
  z.object({ [action]: z.object({ tenant: z.string().min(1).max(255) }).strict() }).strict();

export type FlavorAction = { action: 'addTenantAccess' | 'removeTenantAccess'; tenant: string };

/**
 * POST /flavors/{id}/action: the body's one key names the action (Nova's action_peek: another
 * count of keys is "Malformed request body", an unknown key "There is no such action"), then
 * the action's schema (flavor_access.py).
 */
export function parseFlavorAction(body: unknown): FlavorAction {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw new BadRequest('Malformed request body');
  const action = Object.keys(body)[0];
  if (action !== 'addTenantAccess' && action !== 'removeTenantAccess') throw new BadRequest(`There is no such action: ${action}`);
  const parsed = parseBody(tenant(action), body) as Record<string, { tenant: string }>;
  return { action, tenant: parsed[action].tenant };
}
