/** Swift timestamps: seconds since the epoch with 5 decimals, zero-padded to 16 characters. */
export function normalizeTimestamp(value: string | number): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid timestamp ${value}`);
  return n.toFixed(5).padStart(16, '0');
}

export function nowTimestamp(): string {
  return normalizeTimestamp(Date.now() / 1000);
}
