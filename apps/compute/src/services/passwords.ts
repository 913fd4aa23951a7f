import { randomInt } from 'node:crypto';

/** Nova's DEFAULT_PASSWORD_SYMBOLS (nova/utils.py): no 0, 1, I, O or l, which read alike. */
export const PASSWORD_SYMBOLS = ['23456789', 'ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz'] as const;

function shuffle<T>(items: T[], rand: (n: number) => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * A server's admin password as Nova generates one (utils.generate_password): `length` characters,
 * one of each symbol group first (so a password policy asking for digits, upper and lower case
 * letters is met when length ≥ 3), the rest from all groups, shuffled; from the system's CSPRNG.
 */
export function generatePassword(length: number, rand: (n: number) => number = randomInt): string {
  const first = shuffle(
    PASSWORD_SYMBOLS.map((g) => g[rand(g.length)]),
    rand,
  ).slice(0, length);
  const all = PASSWORD_SYMBOLS.join('');
  while (first.length < length) first.push(all[rand(all.length)]);
  return shuffle(first, rand).join('');
}
