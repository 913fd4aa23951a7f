// LibvirtClient: one connection to libvirtd with a typed method per procedure that compute needs,
// named after libvirt's C API (virDomainGetState → domainGetState) so its documentation applies.
// Like go-libvirt's Libvirt type it is one class over the whole procedure table (it mirrors the
// API, so it has more methods than our usual classes); the wire work is in rpc.ts.
import { EventEmitter } from 'node:events';
import { dial, describeTarget, type DialOptions } from './transport';
import { RpcConnection, type KeepaliveOptions, type MessageName } from './rpc';
import { LibvirtStream } from './stream';
import { LibvirtError } from './errors';
import { domainFromWire, domainToWire, uuidToBytes, type Domain } from './domain';
import { iterateEvents, toDomainEvent, type DomainEventKind, type DomainEvents } from './events';
import { ConnectFlags, DomainEventID, DomainState, ErrorDomain, ErrorNumber } from './generated/constants';
import { AuthType, Procedure } from './generated/types';
import type { Messages } from './generated/procedures';

/** VIR_DRV_FEATURE_PROGRAM_KEEPALIVE (libvirt's internal driver feature numbers) */
const FEATURE_PROGRAM_KEEPALIVE = 10;
export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 5000, count: 5 };

export type ConnectOptions = DialOptions & {
  /** send keepalive PINGs on an idle connection (default 5 s × 5, libvirt's); false: only answer libvirtd's */
  keepalive?: KeepaliveOptions | false;
};

export interface Version {
  major: number;
  minor: number;
  micro: number;
  /** libvirt's encoding: major * 1,000,000 + minor * 1,000 + micro */
  number: number;
}

export interface NodeInfo {
  model: string;
  memoryKiB: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

export interface DomainStateInfo {
  state: DomainState;
  stateName: string;
  /** a value of the state's reason enum (virDomainRunningReason for RUNNING, ...) */
  reason: number;
}

export interface DomainInfo {
  state: DomainState;
  maxMemKiB: number;
  memoryKiB: number;
  nrVirtCpu: number;
  cpuTimeNs: bigint;
}

export interface EventRegistration {
  callbackID: number;
  eventId: DomainEventID;
  domain: Domain | null;
}

const EVENT_KINDS: Partial<Record<DomainEventID, DomainEventKind>> = {
  [DomainEventID.LIFECYCLE]: 'lifecycle',
  [DomainEventID.REBOOT]: 'reboot',
  [DomainEventID.DEVICE_ADDED]: 'deviceAdded',
  [DomainEventID.DEVICE_REMOVED]: 'deviceRemoved',
};

const version = (v: bigint): Version => {
  const n = Number(v);
  return { major: Math.floor(n / 1e6), minor: Math.floor(n / 1e3) % 1000, micro: n % 1000, number: n };
};

type ClientEventMap = { [K in DomainEventKind]: [DomainEvents[K]] } & { close: [LibvirtError, boolean] };

/**
 * Events: 'lifecycle' | 'reboot' | 'deviceAdded' | 'deviceRemoved' for the callbacks registered
 * with domainEventRegister; 'close' (err, expected) when the connection is gone.
 */
export class LibvirtClient extends EventEmitter<ClientEventMap> {
  private openedUri: string | null = null;
  private readonly registrations = new Map<number, EventRegistration>();

  private constructor(
    readonly rpc: RpcConnection,
    private readonly options: ConnectOptions,
  ) {
    super();
    rpc.on('message', (name: MessageName, msg: Messages[MessageName]) => {
      const e = toDomainEvent(name, msg);
      if (e && this.registrations.has(e.event.callbackID)) (this as EventEmitter).emit(e.kind, e.event);
    });
    rpc.on('close', (err: LibvirtError, expected: boolean) => this.emit('close', err, expected));
  }

  /** Dials libvirtd and authenticates; `open(uri)` then picks the hypervisor driver. */
  static async connect(options: ConnectOptions = {}): Promise<LibvirtClient> {
    const socket = await dial(options);
    const client = new LibvirtClient(new RpcConnection(socket, describeTarget(options)), options);
    // from the first byte: a libvirtd that accepted the connection but hangs (stopped, overloaded)
    // is dropped after count × interval instead of leaving the handshake waiting forever
    const keepalive = options.keepalive ?? DEFAULT_KEEPALIVE;
    if (keepalive) client.rpc.startKeepalive(keepalive);
    try {
      await client.authenticate();
    } catch (err) {
      await client.rpc.close();
      throw err;
    }
    return client;
  }

  /** As libvirt's client: no auth when the server lists none (or NONE); polkit is asked; SASL is not implemented. */
  private async authenticate(): Promise<void> {
    const { types } = await this.rpc.call('AUTH_LIST', undefined);
    if (types.length === 0 || types.includes(AuthType.NONE)) return;
    if (types.includes(AuthType.POLKIT)) {
      const { complete } = await this.rpc.call('AUTH_POLKIT', undefined);
      if (!complete)
        throw new LibvirtError(
          'polkit authentication did not complete',
          ErrorNumber.AUTH_FAILED,
          ErrorDomain.AUTH,
        );
      return;
    }
    throw new LibvirtError(
      `libvirtd at ${this.rpc.target} requires SASL authentication, which @kumo/libvirt does not implement`,
      ErrorNumber.AUTH_UNAVAILABLE,
      ErrorDomain.AUTH,
    );
  }

  get uri(): string | null {
    return this.openedUri;
  }

  get closed(): boolean {
    return this.rpc.closed;
  }

  /** Opens the hypervisor connection (`qemu:///system`, `test:///default`, ...). */
  async open(uri: string, flags = 0): Promise<void> {
    await this.rpc.call('CONNECT_OPEN', {
      name: uri,
      flags: flags | (this.options.readOnly ? ConnectFlags.RO : 0),
    });
    this.openedUri = uri;
    // asking for the feature is what makes libvirtd ping us too (our own pings started at connect)
    await this.rpc.call('CONNECT_SUPPORTS_FEATURE', { feature: FEATURE_PROGRAM_KEEPALIVE });
  }

  /** Closes the hypervisor connection and the socket. */
  async close(): Promise<void> {
    if (this.rpc.closed) return;
    if (this.openedUri !== null) {
      await this.rpc.call('CONNECT_CLOSE', undefined).catch(() => undefined);
    }
    await this.rpc.close();
  }

  async connectGetHostname(): Promise<string> {
    return (await this.rpc.call('CONNECT_GET_HOSTNAME', undefined)).hostname;
  }

  async connectGetLibVersion(): Promise<Version> {
    return version((await this.rpc.call('CONNECT_GET_LIB_VERSION', undefined)).lib_ver);
  }

  /** The hypervisor's version (QEMU's for qemu://). */
  async connectGetVersion(): Promise<Version> {
    return version((await this.rpc.call('CONNECT_GET_VERSION', undefined)).hv_ver);
  }

  async connectGetUri(): Promise<string> {
    return (await this.rpc.call('CONNECT_GET_URI', undefined)).uri;
  }

  async connectGetCapabilities(): Promise<string> {
    return (await this.rpc.call('CONNECT_GET_CAPABILITIES', undefined)).capabilities;
  }

  async nodeGetInfo(): Promise<NodeInfo> {
    const r = await this.rpc.call('NODE_GET_INFO', undefined);
    const bytes = r.model.map((c) => c & 0xff);
    const end = bytes.indexOf(0);
    return {
      model: Buffer.from(end < 0 ? bytes : bytes.slice(0, end)).toString('latin1'),
      memoryKiB: Number(r.memory),
      cpus: r.cpus,
      mhz: r.mhz,
      nodes: r.nodes,
      sockets: r.sockets,
      cores: r.cores,
      threads: r.threads,
    };
  }

  /** Domains matching `flags` (ConnectListAllDomainsFlags; 0 = all). */
  async connectListAllDomains(flags = 0): Promise<Domain[]> {
    const r = await this.rpc.call('CONNECT_LIST_ALL_DOMAINS', { need_results: 1, flags });
    return r.domains.map(domainFromWire);
  }

  async domainLookupByName(name: string): Promise<Domain> {
    return domainFromWire((await this.rpc.call('DOMAIN_LOOKUP_BY_NAME', { name })).dom);
  }

  async domainLookupByUUID(uuid: string): Promise<Domain> {
    return domainFromWire((await this.rpc.call('DOMAIN_LOOKUP_BY_UUID', { uuid: uuidToBytes(uuid) })).dom);
  }

  /** Defines (or redefines) a persistent domain; flags: DomainDefineFlags. */
  async domainDefineXML(xml: string, flags = 0): Promise<Domain> {
    return domainFromWire((await this.rpc.call('DOMAIN_DEFINE_XML_FLAGS', { xml, flags })).dom);
  }

  /** flags: DomainUndefineFlags (NVRAM, MANAGED_SAVE, ...). */
  async domainUndefine(dom: Domain, flags = 0): Promise<void> {
    await this.rpc.call('DOMAIN_UNDEFINE_FLAGS', { dom: domainToWire(dom), flags });
  }

  /** Starts a defined domain; returns it with its new id. flags: DomainCreateFlags. */
  async domainCreate(dom: Domain, flags = 0): Promise<Domain> {
    return domainFromWire(
      (await this.rpc.call('DOMAIN_CREATE_WITH_FLAGS', { dom: domainToWire(dom), flags })).dom,
    );
  }

  /** Stops a domain at once (power off). flags: DomainDestroyFlags. */
  async domainDestroy(dom: Domain, flags = 0): Promise<void> {
    await this.rpc.call('DOMAIN_DESTROY_FLAGS', { dom: domainToWire(dom), flags });
  }

  /** Asks the guest to shut down (ACPI by default). flags: DomainShutdownFlags. */
  async domainShutdown(dom: Domain, flags = 0): Promise<void> {
    await this.rpc.call('DOMAIN_SHUTDOWN_FLAGS', { dom: domainToWire(dom), flags });
  }

  /** Asks the guest to reboot. flags: DomainRebootFlags. */
  async domainReboot(dom: Domain, flags = 0): Promise<void> {
    await this.rpc.call('DOMAIN_REBOOT', { dom: domainToWire(dom), flags });
  }

  async domainSuspend(dom: Domain): Promise<void> {
    await this.rpc.call('DOMAIN_SUSPEND', { dom: domainToWire(dom) });
  }

  async domainResume(dom: Domain): Promise<void> {
    await this.rpc.call('DOMAIN_RESUME', { dom: domainToWire(dom) });
  }

  async domainGetState(dom: Domain): Promise<DomainStateInfo> {
    const r = await this.rpc.call('DOMAIN_GET_STATE', { dom: domainToWire(dom), flags: 0 });
    return { state: r.state, stateName: DomainState[r.state] ?? `STATE_${r.state}`, reason: r.reason };
  }

  async domainGetInfo(dom: Domain): Promise<DomainInfo> {
    const r = await this.rpc.call('DOMAIN_GET_INFO', { dom: domainToWire(dom) });
    return {
      state: r.state,
      maxMemKiB: Number(r.maxMem),
      memoryKiB: Number(r.memory),
      nrVirtCpu: r.nrVirtCpu,
      cpuTimeNs: r.cpuTime,
    };
  }

  async domainIsActive(dom: Domain): Promise<boolean> {
    return (await this.rpc.call('DOMAIN_IS_ACTIVE', { dom: domainToWire(dom) })).active !== 0;
  }

  /** flags: DomainXMLFlags (INACTIVE for the persistent definition, SECURE for passwords). */
  async domainGetXMLDesc(dom: Domain, flags = 0): Promise<string> {
    return (await this.rpc.call('DOMAIN_GET_XML_DESC', { dom: domainToWire(dom), flags })).xml;
  }

  /** flags: DomainModificationImpact (LIVE, CONFIG, or both). */
  async domainAttachDeviceFlags(dom: Domain, xml: string, flags: number): Promise<void> {
    await this.rpc.call('DOMAIN_ATTACH_DEVICE_FLAGS', { dom: domainToWire(dom), xml, flags });
  }

  /** flags: DomainModificationImpact. A live detach returns once QEMU was asked; 'deviceRemoved' tells when it is gone. */
  async domainDetachDeviceFlags(dom: Domain, xml: string, flags: number): Promise<void> {
    await this.rpc.call('DOMAIN_DETACH_DEVICE_FLAGS', { dom: domainToWire(dom), xml, flags });
  }

  /**
   * Registers for one kind of domain event (of `dom` only, or of every domain); the client then
   * emits them ('lifecycle', 'reboot', 'deviceAdded', 'deviceRemoved'). Returns the callbackID.
   */
  async domainEventRegister(eventId: DomainEventID, dom: Domain | null = null): Promise<number> {
    if (!EVENT_KINDS[eventId]) {
      throw new LibvirtError(
        `domain event ${DomainEventID[eventId] ?? eventId} is not decoded by @kumo/libvirt`,
        ErrorNumber.INVALID_ARG,
      );
    }
    const { callbackID } = await this.rpc.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', {
      eventID: eventId,
      dom: dom ? domainToWire(dom) : null,
    });
    this.registrations.set(callbackID, { callbackID, eventId, domain: dom });
    return callbackID;
  }

  async domainEventDeregister(callbackID: number): Promise<void> {
    await this.rpc.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID });
    this.registrations.delete(callbackID);
  }

  /** The event callbacks registered on this connection. */
  eventRegistrations(): EventRegistration[] {
    return [...this.registrations.values()];
  }

  /** The events of one kind as an async iterator, until `signal` aborts (register them first). */
  events<K extends DomainEventKind>(kind: K, signal?: AbortSignal): AsyncGenerator<DomainEvents[K]> {
    return iterateEvents(this as EventEmitter, kind, signal);
  }

  /**
   * Opens the domain's console (devName null: the first console/serial) as a Duplex stream of the
   * guest's bytes. flags: DomainConsoleFlags (FORCE takes it over from another client).
   */
  async domainOpenConsole(dom: Domain, devName: string | null = null, flags = 0): Promise<LibvirtStream> {
    const serial = this.rpc.nextSerial();
    const stream = new LibvirtStream(this.rpc, Procedure.DOMAIN_OPEN_CONSOLE, serial);
    try {
      await this.rpc.call(
        'DOMAIN_OPEN_CONSOLE',
        { dom: domainToWire(dom), dev_name: devName, flags },
        serial,
      );
    } catch (err) {
      stream.discard();
      throw err;
    }
    return stream;
  }
}
