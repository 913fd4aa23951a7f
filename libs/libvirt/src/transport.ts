// Dialers: the daemon's unix socket (read-write or read-only) and plain TCP for a remote libvirtd
// (qemu+tcp:// style, libvirtd --listen with listen_tcp = 1). TLS and SASL are not implemented:
// a TCP server that requires SASL is refused at authentication with a typed error.
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { LibvirtConnectionError } from './errors';

export const DEFAULT_SOCKET = '/var/run/libvirt/libvirt-sock';
export const DEFAULT_READONLY_SOCKET = '/var/run/libvirt/libvirt-sock-ro';
export const DEFAULT_TCP_PORT = 16509;
/** the QEMU driver's own daemon of libvirt's modular layout (virtqemud, e.g. Debian 13, Fedora) */
export const MODULAR_SOCKET = '/var/run/libvirt/virtqemud-sock';
export const MODULAR_READONLY_SOCKET = '/var/run/libvirt/virtqemud-sock-ro';

/**
 * The local socket, as libvirt's own client picks it (remote_mode "auto"): libvirtd's when it is
 * there, else virtqemud's when that is there, else libvirtd's (named in the error).
 */
export function defaultSocket(readOnly = false, exists: (p: string) => boolean = existsSync): string {
  const legacy = readOnly ? DEFAULT_READONLY_SOCKET : DEFAULT_SOCKET;
  const modular = readOnly ? MODULAR_READONLY_SOCKET : MODULAR_SOCKET;
  return !exists(legacy) && exists(modular) ? modular : legacy;
}

export interface UnixDialOptions {
  /** default /var/run/libvirt/libvirt-sock (libvirt-sock-ro when readOnly), or virtqemud's socket where only it exists (defaultSocket) */
  socketPath?: string;
  /** open the connection read-only (VIR_CONNECT_RO; the -ro socket unless socketPath is given) */
  readOnly?: boolean;
  connectTimeoutMs?: number;
}

export interface TcpDialOptions {
  host: string;
  /** default 16509, libvirtd's TCP port */
  port?: number;
  readOnly?: boolean;
  connectTimeoutMs?: number;
}

export type DialOptions = UnixDialOptions | TcpDialOptions;

export const isTcp = (o: DialOptions): o is TcpDialOptions => 'host' in o && typeof o.host === 'string';

export function describeTarget(o: DialOptions): string {
  if (isTcp(o)) return `tcp://${o.host}:${o.port ?? DEFAULT_TCP_PORT}`;
  return `unix:${o.socketPath ?? defaultSocket(o.readOnly)}`;
}

/** Connects a socket to libvirtd; rejects with a LibvirtConnectionError naming the target. */
export function dial(o: DialOptions): Promise<Socket> {
  const target = describeTarget(o);
  const timeoutMs = o.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = isTcp(o)
      ? createConnection({ host: o.host, port: o.port ?? DEFAULT_TCP_PORT })
      : createConnection({ path: o.socketPath ?? defaultSocket(o.readOnly) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new LibvirtConnectionError(`connecting to libvirtd at ${target} timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(
        new LibvirtConnectionError(`cannot connect to libvirtd at ${target}: ${err.message}`, { cause: err }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      if (isTcp(o)) socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
