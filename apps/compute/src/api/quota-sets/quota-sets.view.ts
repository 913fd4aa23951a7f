import { QUOTA_RESOURCES } from '../../services/quotas.service';

/** `{"quota_set": {"id"?, <resource>: ...}}` with every 2.1 resource (update's answer has no id, as Nova's). */
export function quotaSetView(values: Record<string, unknown>, projectId?: string): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (projectId !== undefined) set.id = projectId;
  for (const r of QUOTA_RESOURCES) set[r] = values[r];
  return { quota_set: set };
}
