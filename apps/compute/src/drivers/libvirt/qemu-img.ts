// qemu-img through the command executor: what an image file is (its real format, virtual size,
// backing file — never trusted from the image's declared disk_format), overlays and conversions.
import type { CommandExecutor } from '../command-executor';

export interface DiskInfo {
  format: string;
  virtualSize: number;
  actualSize: number | null;
  backingFile: string | null;
  /** qcow2's external data file (a way to make QEMU read another file): refused like a backing file */
  dataFile: string | null;
}

/** Parses `qemu-img info --output=json` (one image, not the chain). */
export function parseQemuImgInfo(json: string): DiskInfo {
  const o = JSON.parse(json) as {
    format?: unknown;
    'virtual-size'?: unknown;
    'actual-size'?: unknown;
    'backing-filename'?: unknown;
    'full-backing-filename'?: unknown;
    'format-specific'?: { data?: { 'data-file'?: unknown } };
  };
  if (typeof o.format !== 'string' || typeof o['virtual-size'] !== 'number') {
    throw new Error('qemu-img info gave no format or virtual size');
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    format: o.format,
    virtualSize: o['virtual-size'],
    actualSize: typeof o['actual-size'] === 'number' ? o['actual-size'] : null,
    backingFile: str(o['full-backing-filename']) ?? str(o['backing-filename']),
    dataFile: str(o['format-specific']?.data?.['data-file']),
  };
}

export class QemuImg {
  constructor(private readonly exec: CommandExecutor) {}

  async info(path: string): Promise<DiskInfo> {
    // -U: readable while a running QEMU holds the image's lock
    const { stdout } = await this.exec.run(['qemu-img', 'info', '-U', '--output=json', path], { timeoutMs: 60_000 });
    return parseQemuImgInfo(stdout);
  }

  /** A qcow2 overlay on `base` (qcow2), of `sizeBytes` when given (else the base's size). */
  async createOverlay(base: string, path: string, sizeBytes?: number): Promise<void> {
    const argv = ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', path];
    if (sizeBytes !== undefined) argv.push(String(sizeBytes));
    await this.exec.run(argv, { timeoutMs: 60_000 });
  }

  /** Converts `src` (of format `fmt`) to a standalone qcow2 at `dst`. */
  async convertToQcow2(src: string, fmt: string, dst: string): Promise<void> {
    await this.exec.run(['qemu-img', 'convert', '-U', '-q', '-f', fmt, '-O', 'qcow2', src, dst], { timeoutMs: 3_600_000 });
  }
}
