export * from './errors';
export * from './generated/constants';
export { XdrReader, XdrWriter, XdrError } from './xdr';
export { encodeMessage, decodeMessage, MessageSplitter, type Message, type MessageHeader } from './framing';
export { dial, describeTarget, DEFAULT_SOCKET, DEFAULT_READONLY_SOCKET, DEFAULT_TCP_PORT } from './transport';
export type { DialOptions, UnixDialOptions, TcpDialOptions } from './transport';
export { RpcConnection, type KeepaliveOptions, type StreamSink } from './rpc';
export { LibvirtStream } from './stream';
export { uuidToBytes, uuidToString, type Domain } from './domain';
export type {
  DomainLifecycleEvent,
  DomainRebootEvent,
  DomainDeviceEvent,
  DomainEvents,
  DomainEventKind,
} from './events';
export {
  LibvirtClient,
  DEFAULT_KEEPALIVE,
  type ConnectOptions,
  type Version,
  type NodeInfo,
  type DomainStateInfo,
  type DomainInfo,
  type EventRegistration,
} from './client';
export { ReconnectingLibvirt, type ReconnectOptions } from './reconnecting';
export { MessageStatus, MessageType, Procedure, REMOTE_PROGRAM, KEEPALIVE_PROGRAM } from './generated/types';
export { domainManagedSave, domainHasManagedSaveImage, domainManagedSaveRemove } from './managed-save';
