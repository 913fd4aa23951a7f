/**
 * Role implication as Keystone bootstrap sets it up: `admin` implies `member`, which implies
 * `reader` (docs/adr/0003-admin-role.md). A token listing `admin` is therefore also a member and a
 * reader everywhere its scope reaches.
 */
export const ROLE_IMPLICATIONS: Readonly<Record<string, readonly string[]>> = {
  admin: ['member'],
  member: ['reader'],
};

/**
 * The effective roles: the given ones plus every role they imply, transitively. Sorted and
 * without duplicates; names are compared exactly (Keystone's role names are case-sensitive).
 */
export function expandRoles(
  roles: readonly string[],
  implications: Readonly<Record<string, readonly string[]>> = ROLE_IMPLICATIONS,
): string[] {
  const out = new Set(roles);
  const queue = [...roles];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const implied of implications[name] ?? []) {
      if (!out.has(implied)) {
        out.add(implied);
        queue.push(implied);
      }
    }
  }
  return [...out].sort();
}

const effective = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * The effective role set of a roles array (expanded with ROLE_IMPLICATIONS), memoised per array so
 * that a policy check costs a Set lookup. An AuthContext's `roles` must not be mutated after use.
 */
export function effectiveRoles(roles: readonly string[]): ReadonlySet<string> {
  let set = effective.get(roles);
  if (!set) {
    set = new Set(expandRoles(roles));
    effective.set(roles, set);
  }
  return set;
}
