import type { QuotaDetail } from '../../services/quotas.service';

/** GET /limits at 2.1 (views/limits.py): every absolute limit by Nova's display name, what is used, and no rate limits. */
export function limitsView(q: QuotaDetail): Record<string, unknown> {
  return {
    limits: {
      rate: [],
      absolute: {
        maxImageMeta: q.metadata_items.limit,
        maxPersonality: q.injected_files.limit,
        maxPersonalitySize: q.injected_file_content_bytes.limit,
        maxSecurityGroupRules: q.security_group_rules.limit,
        maxSecurityGroups: q.security_groups.limit,
        maxServerMeta: q.metadata_items.limit,
        maxTotalCores: q.cores.limit,
        maxTotalFloatingIps: q.floating_ips.limit,
        maxTotalInstances: q.instances.limit,
        maxTotalKeypairs: q.key_pairs.limit,
        maxTotalRAMSize: q.ram.limit,
        maxServerGroups: q.server_groups.limit,
        maxServerGroupMembers: q.server_group_members.limit,
        totalCoresUsed: q.cores.in_use,
        totalInstancesUsed: q.instances.in_use,
        totalRAMUsed: q.ram.in_use,
        totalSecurityGroupsUsed: q.security_groups.in_use,
        totalFloatingIpsUsed: q.floating_ips.in_use,
        totalServerGroupsUsed: q.server_groups.in_use,
      },
    },
  };
}
