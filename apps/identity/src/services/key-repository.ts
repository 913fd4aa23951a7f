import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SigningKey } from './token-codec';

/**
 * Token signing keys in a directory, one file per key (`<n>.key`, 32 random bytes, base64), like
 * Keystone's fernet key repository: the highest-numbered key signs, every key verifies, so keys can
 * be rotated (`kumo-manage token rotate`) without invalidating tokens signed by the previous one.
 */
export class KeyRepository {
  constructor(private readonly dir: string) {}

  /** Loads the keys, creating the directory and a first key when there is none. */
  load(): { signing: SigningKey; all: Map<string, SigningKey> } {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let files = this.keyFiles();
    if (files.length === 0) {
      this.writeKey(1);
      files = this.keyFiles();
    }
    const all = new Map<string, SigningKey>();
    for (const n of files) {
      const secret = Buffer.from(readFileSync(join(this.dir, `${n}.key`), 'utf8').trim(), 'base64');
      if (secret.length < 32) throw new Error(`token key ${join(this.dir, `${n}.key`)} is shorter than 32 bytes`);
      all.set(String(n), { id: String(n), secret });
    }
    return { signing: all.get(String(files[files.length - 1]))!, all };
  }

  /** Adds a new signing key and keeps the newest `keep` keys' files. */
  rotate(): number {
    const files = this.keyFiles();
    const next = (files[files.length - 1] ?? 0) + 1;
    this.writeKey(next);
    return next;
  }

  private keyFiles(): number[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => /^(\d+)\.key$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private writeKey(n: number): void {
    const path = join(this.dir, `${n}.key`);
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
}
