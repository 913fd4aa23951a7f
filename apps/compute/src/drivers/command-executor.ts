// Host commands: argv arrays (never a shell string), a timeout, and one log line per command with
// its exit code and duration. A failure carries the command's stderr, which becomes the fault text.
import { execFile } from 'node:child_process';
import type { Logger } from '@kumo/common';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    reason: string,
  ) {
    super(`${argv[0]} failed (${reason}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'no error output'}`);
  }
}

export abstract class CommandExecutor {
  /** Runs argv[0] with the rest as arguments; rejects with CommandFailed on a non-zero exit or the timeout. */
  abstract run(argv: readonly string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
}

export class LocalExecutor extends CommandExecutor {
  constructor(private readonly log?: Logger) {
    super();
  }

  run(argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const started = process.hrtime.bigint();
    const timeout = opts.timeoutMs ?? 600_000;
    return new Promise((resolve, reject) => {
      execFile(argv[0], argv.slice(1), { timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        const exitCode = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        this.log?.debug({ argv, exitCode, ms: Math.round(ms) }, 'command');
        if (!e) return resolve({ stdout, stderr });
        const reason = e.killed ? `timed out after ${timeout} ms` : typeof e.code === 'string' ? e.code : `exit ${exitCode}`;
        this.log?.warn({ argv, exitCode, ms: Math.round(ms), stderr: stderr.slice(-2000) }, 'command failed');
        reject(new CommandFailed(argv, exitCode, stderr || e.message, reason));
      });
    });
  }
}
