import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { BuilderState } from './ring-builder';
import type { RingData } from './ring-types';

/** Ring files: gzipped JSON, the partition table as base64 little-endian uint16 arrays. */
export function writeRingFile(path: string, ring: RingData): void {
  const doc = {
    version: ring.version,
    part_power: ring.partPower,
    replicas: ring.replicas,
    devs: ring.devs,
    replica2part2dev: ring.replica2part2dev.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64')),
  };
  atomicWrite(path, gzipSync(JSON.stringify(doc)));
}

export function readRingFile(path: string): RingData {
  const doc = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    version: number;
    part_power: number;
    replicas: number;
    devs: RingData['devs'];
    replica2part2dev: string[];
  };
  return {
    version: doc.version,
    partPower: doc.part_power,
    replicas: doc.replicas,
    devs: doc.devs,
    replica2part2dev: doc.replica2part2dev.map((b64) => {
      const buf = Buffer.from(b64, 'base64');
      return new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }),
  };
}

export function writeBuilderFile(path: string, state: BuilderState): void {
  atomicWrite(path, Buffer.from(JSON.stringify(state)));
}

export function readBuilderFile(path: string): BuilderState {
  return JSON.parse(readFileSync(path, 'utf8')) as BuilderState;
}

/** Write to a temporary file and rename, so a reader never sees half a ring. */
function atomicWrite(path: string, data: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
