// Typed domain events. libvirtd pushes one VIR_NET_MESSAGE per event, tagged with the callbackID
// that REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY returned; the client turns them into
// these values and emits them by kind ('lifecycle', 'reboot', 'deviceAdded', 'deviceRemoved').
import { on, type EventEmitter } from 'node:events';
import {
  DomainEventCrashedDetail,
  DomainEventDefinedDetail,
  DomainEventPMSuspendedDetail,
  DomainEventResumedDetail,
  DomainEventShutdownDetail,
  DomainEventStartedDetail,
  DomainEventStoppedDetail,
  DomainEventSuspendedDetail,
  DomainEventType,
  DomainEventUndefinedDetail,
} from './generated/constants';
import type { Messages } from './generated/procedures';
import { domainFromWire, type Domain } from './domain';

export interface DomainLifecycleEvent {
  callbackID: number;
  domain: Domain;
  event: DomainEventType;
  /** the event's name, e.g. STARTED */
  eventName: string;
  /** a value of the event's detail enum (DomainEventStartedDetail for STARTED, ...) */
  detail: number;
  /** the detail's name, e.g. BOOTED */
  detailName: string;
}

export interface DomainRebootEvent {
  callbackID: number;
  domain: Domain;
}

export interface DomainDeviceEvent {
  callbackID: number;
  domain: Domain;
  devAlias: string;
}

export interface DomainEvents {
  lifecycle: DomainLifecycleEvent;
  reboot: DomainRebootEvent;
  deviceAdded: DomainDeviceEvent;
  deviceRemoved: DomainDeviceEvent;
}
export type DomainEventKind = keyof DomainEvents;

const DETAILS: Record<DomainEventType, Record<number, string>> = {
  [DomainEventType.DEFINED]: DomainEventDefinedDetail,
  [DomainEventType.UNDEFINED]: DomainEventUndefinedDetail,
  [DomainEventType.STARTED]: DomainEventStartedDetail,
  [DomainEventType.SUSPENDED]: DomainEventSuspendedDetail,
  [DomainEventType.RESUMED]: DomainEventResumedDetail,
  [DomainEventType.STOPPED]: DomainEventStoppedDetail,
  [DomainEventType.SHUTDOWN]: DomainEventShutdownDetail,
  [DomainEventType.PMSUSPENDED]: DomainEventPMSuspendedDetail,
  [DomainEventType.CRASHED]: DomainEventCrashedDetail,
};

/** The kind and typed value of a pushed message, or null for a message that is not a domain event. */
export function toDomainEvent(
  name: keyof Messages,
  msg: Messages[keyof Messages],
): { kind: DomainEventKind; event: DomainEvents[DomainEventKind] } | null {
  switch (name) {
    case 'DOMAIN_EVENT_CALLBACK_LIFECYCLE': {
      const m = msg as Messages['DOMAIN_EVENT_CALLBACK_LIFECYCLE'];
      const event = m.msg.event as DomainEventType;
      return {
        kind: 'lifecycle',
        event: {
          callbackID: m.callbackID,
          domain: domainFromWire(m.msg.dom),
          event,
          eventName: DomainEventType[event] ?? `EVENT_${event}`,
          detail: m.msg.detail,
          detailName: DETAILS[event]?.[m.msg.detail] ?? `DETAIL_${m.msg.detail}`,
        },
      };
    }
    case 'DOMAIN_EVENT_CALLBACK_REBOOT': {
      const m = msg as Messages['DOMAIN_EVENT_CALLBACK_REBOOT'];
      return { kind: 'reboot', event: { callbackID: m.callbackID, domain: domainFromWire(m.msg.dom) } };
    }
    case 'DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED': {
      const m = msg as Messages['DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED'];
      return {
        kind: 'deviceRemoved',
        event: { callbackID: m.callbackID, domain: domainFromWire(m.msg.dom), devAlias: m.msg.devAlias },
      };
    }
    case 'DOMAIN_EVENT_CALLBACK_DEVICE_ADDED': {
      const m = msg as Messages['DOMAIN_EVENT_CALLBACK_DEVICE_ADDED'];
      return {
        kind: 'deviceAdded',
        event: { callbackID: m.callbackID, domain: domainFromWire(m.dom), devAlias: m.devAlias },
      };
    }
    default:
      return null;
  }
}

/** The events of one kind as an async iterator (ends when `signal` aborts). */
export async function* iterateEvents<K extends DomainEventKind>(
  emitter: EventEmitter,
  kind: K,
  signal?: AbortSignal,
): AsyncGenerator<DomainEvents[K]> {
  try {
    for await (const [event] of on(emitter, kind, { signal })) yield event as DomainEvents[K];
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}
