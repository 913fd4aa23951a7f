import { DEFAULT_TCP_PORT, type DialOptions } from '@kumo/libvirt';

/** How the proxy reaches a host's libvirtd: the dialer's options and the URI to open there. */
export interface LibvirtTarget {
  dial: DialOptions;
  /** The hypervisor URI without transport or host (what the remote driver opens on the daemon). */
  openUri: string;
}

/**
 * Reads the libvirt URI an agent answers (computeAgent.getSerialConsole) as libvirt's remote driver
 * does (https://libvirt.org/uri.html): no host and no transport, or `+unix` — the local daemon's
 * unix socket (`?socket=` names another); `+tcp://host[:port]` — libvirtd's TCP port (16509 by
 * default; the daemon needs listen_tcp = 1 and auth_tcp = "none", @kumo/libvirt has no TLS or SASL
 * yet). A host without a transport means TLS to libvirt, so it is refused, as are `+tls`, `+ssh`,
 * `+libssh` and `+ext`: the message says which URI and why.
 */
export function libvirtTarget(uri: string): LibvirtTarget {
  const m = /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(uri);
  if (!m) throw new Error(`not a libvirt URI: ${uri}`);
  const [, driver, transport, authority, path = '/', query = ''] = m;
  const params = new URLSearchParams(query);
  const openUri = `${driver}://${path}`;
  const host = authority.replace(/^[^@]*@/, '');
  if (transport === undefined || transport === 'unix') {
    if (transport === undefined && host)
      throw new Error(
        `${uri}: a host without a transport is libvirt's TLS transport, which Kumo's libvirt client does not speak (use ${driver}+tcp://${host}${path})`,
      );
    const socket = params.get('socket');
    return { dial: socket ? { socketPath: socket } : {}, openUri };
  }
  if (transport === 'tcp') {
    const hp = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!hp) throw new Error(`${uri}: a TCP libvirt URI needs a host`);
    const port = hp[2] ? Number(hp[2]) : DEFAULT_TCP_PORT;
    if (port < 1 || port > 65535) throw new Error(`${uri}: port ${hp[2]} is out of range`);
    return { dial: { host: hp[1].replace(/^\[|\]$/g, ''), port }, openUri };
  }
  throw new Error(
    `${uri}: libvirt's ${transport} transport is not supported by Kumo's libvirt client (unix and tcp are)`,
  );
}
