import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const GUEST_IMAGE_DIR = resolve(__dirname, '../..');

/** One console line of the guest: `KUMO-GUEST-<KEY>[ <value>]` (see tools/guest-image/README.md). */
export interface GuestLine {
  key: string;
  value: string;
}

const LINE = /^KUMO-GUEST-([A-Z0-9-]+)(?: (.*))?$/;

/** The KUMO-GUEST lines of a console log, in order; anything else (kernel, shell) is ignored. */
export function parseGuestConsole(output: string): GuestLine[] {
  const lines: GuestLine[] = [];
  for (const raw of output.split('\n')) {
    const m = LINE.exec(raw.replace(/\r$/, ''));
    if (m) lines.push({ key: m[1], value: m[2] ?? '' });
  }
  return lines;
}

/** Values of one key, in order. */
export function valuesOf(lines: GuestLine[], key: string): string[] {
  return lines.filter((l) => l.key === key).map((l) => l.value);
}

export function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) =>
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err
        ? fail(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`))
        : done({ stdout, stderr }),
    ),
  );
}

/** Fails loudly, naming the Debian package, when a command the test needs is missing. */
export function requireCommands(commands: Record<string, string>): void {
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  const missing = Object.entries(commands).filter(([cmd]) => !path.some((dir) => existsSync(join(dir, cmd))));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(`missing ${missing.map(([cmd]) => cmd).join(', ')}: apt-get install ${pkgs}`);
  }
}

/** Builds the image if needed (cached) and returns its path. */
export async function buildImage(): Promise<string> {
  const { stdout } = await run(join(GUEST_IMAGE_DIR, 'build.sh'), [], 300_000);
  const out = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(out)) throw new Error(`build.sh printed no image path (got ${JSON.stringify(out)})`);
  return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? done(addr.port) : fail(new Error('no port'))));
    });
  });
}

export interface BootOptions {
  image: string;
  /** a virtio NIC on QEMU's user network (its DHCP server hands out 10.0.2.15) */
  nic?: boolean;
  /** forward 127.0.0.1:<port> to the guest's port 22 (needs nic) */
  sshPort?: number;
  /** a config drive image, attached as an IDE CD-ROM or as a second virtio disk */
  configDrive?: { file: string; bus: 'ide-cdrom' | 'virtio' };
}

// QEMU processes still running; killed if the test process exits without its afterEach (a crash, an
// interrupted run).
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((p) => p.kill('SIGKILL')));

/**
 * The accelerator guests use: KVM when /dev/kvm works, else TCG. Some hosts have a /dev/kvm that
 * fails (nested virtualization without the CPU features the guest's boot code needs: "KVM internal
 * error ... emulation failure" right after the BIOS); the first guest that hits it switches every
 * later one to TCG. KUMO_QEMU_ACCEL (kvm or tcg) decides instead.
 */
let guestCount = 0;

let accel: 'kvm:tcg' | 'tcg' = process.env.KUMO_QEMU_ACCEL === 'tcg' ? 'tcg' : 'kvm:tcg';
const KVM_FAILED = /KVM internal error|kvm run failed|failed to initialize kvm/i;

/**
 * One QEMU process booting the image from a throwaway overlay (-snapshot), its serial console on
 * stdout. `kill()` is idempotent; call it in a finally block.
 */
export class QemuGuest {
  readonly startedAt = Date.now();
  private output = '';
  private proc!: ChildProcess;
  private exited!: Promise<void>;
  private exitCode: number | null | undefined;
  private restarting = false;
  private killed = false;
  /** QEMU's human monitor, on a Unix socket */
  private readonly monitorPath = join(tmpdir(), `kumo-guest-${process.pid}-${++guestCount}.monitor`);

  constructor(private readonly opts: BootOptions) {
    this.start();
  }

  /** The accelerator this guest runs under now. */
  get accelerator(): string {
    return accel;
  }

  private start(): void {
    if (this.killed) return;
    this.restarting = false;
    const opts = this.opts;
    const args = ['-machine', `pc,accel=${accel}`, '-m', '256', '-smp', '1', '-display', 'none', '-vga', 'none'];
    args.push('-serial', 'stdio', '-monitor', `unix:${this.monitorPath},server=on,wait=off`);
    args.push('-no-reboot', '-snapshot', '-nic', 'none');
    args.push('-drive', `file=${opts.image},if=virtio,format=qcow2`);
    if (opts.nic) {
      const fwd = opts.sshPort ? `,hostfwd=tcp:127.0.0.1:${opts.sshPort}-:22` : '';
      args.push('-netdev', `user,id=n0${fwd}`, '-device', 'virtio-net-pci,netdev=n0');
    }
    if (opts.configDrive) {
      const { file, bus } = opts.configDrive;
      args.push(
        '-drive',
        bus === 'ide-cdrom'
          ? `file=${file},format=raw,media=cdrom,readonly=on`
          : `file=${file},format=raw,if=virtio,readonly=on`,
      );
    }
    const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exitCode = undefined;
    live.add(proc);
    const take = (b: Buffer) => {
      this.output += b.toString('latin1');
      if (accel !== 'tcg' && process.env.KUMO_QEMU_ACCEL !== 'kvm' && KVM_FAILED.test(this.output)) {
        // this host's KVM cannot run the guest: boot again, and every later guest, under TCG
        accel = 'tcg';
        this.restarting = true;
        this.output = `[KVM failed on this host; booting again under TCG]\n`;
        proc.kill('SIGKILL');
        void this.exited.then(() => this.start());
      }
    };
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    this.exited = new Promise((done) => {
      proc.once('exit', (code) => {
        live.delete(proc);
        if (this.proc === proc && !this.restarting) this.exitCode = code;
        done();
      });
      proc.once('error', (err) => {
        live.delete(proc);
        this.output += `\n[spawn error: ${err.message}]\n`;
        if (this.proc === proc && !this.restarting) this.exitCode = -1;
        done();
      });
    });
  }

  get console(): string {
    return this.output;
  }

  get lines(): GuestLine[] {
    return parseGuestConsole(this.output);
  }

  /** Waits until the line `KUMO-GUEST-<key>` appears; returns the seconds since the start. */
  async waitFor(key: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.lines.some((l) => l.key === key)) return (Date.now() - this.startedAt) / 1000;
      if (this.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const why =
      this.exitCode !== undefined ? `QEMU exited (${this.exitCode})` : `not within ${timeoutMs / 1000} s`;
    throw new Error(`no KUMO-GUEST-${key}: ${why}; console:\n${this.output.slice(-4000)}`);
  }

  /**
   * Presses the ACPI power button (QEMU's `system_powerdown`, what libvirt's virDomainShutdown
   * does) and resolves with QEMU's exit code once the guest has powered off (`-no-reboot`: QEMU
   * exits), or fails after timeoutMs.
   */
  async powerdown(timeoutMs: number): Promise<number | null> {
    await new Promise<void>((done, fail) => {
      const sock = connect(this.monitorPath);
      sock.once('error', fail);
      sock.once('connect', () => sock.end('system_powerdown\n'));
      sock.once('close', () => done());
      sock.resume();
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), timeoutMs)));
    const res = await Promise.race([this.exited.then(() => 'exited' as const), late]);
    clearTimeout(timer);
    if (res === 'late') throw new Error(`still running ${timeoutMs / 1000} s after system_powerdown`);
    return this.exitCode ?? null;
  }

  async kill(): Promise<void> {
    this.killed = true;
    if (this.exitCode === undefined) this.proc.kill('SIGKILL');
    await this.exited;
    rmSync(this.monitorPath, { force: true });
  }
}
