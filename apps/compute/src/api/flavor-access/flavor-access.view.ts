/** `{"flavor_access": [{flavor_id, tenant_id}]}` (flavor_access.py _marshall_flavor_access). */
export function flavorAccessView(flavorid: string, projects: string[]): Record<string, unknown> {
  return { flavor_access: projects.map((tenant_id) => ({ flavor_id: flavorid, tenant_id })) };
}
