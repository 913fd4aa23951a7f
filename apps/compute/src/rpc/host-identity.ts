// Which host an agent speaks for, on the conductor: every agent's computeConductor client sets its
// host in the RPC context (`callerHost`, @kumo/messaging's RpcOptions), and the conductor refuses a
// report for another host or a change to an instance that is not on the caller's host with these
// typed errors (registered: they reach the agent as the same classes).
import { Forbidden } from '@kumo/common/core';
import { registerRemoteError } from '@kumo/messaging';

/** A computeConductor message without `callerHost`: no agent client sent it (or one too old to set it). */
export class CallerHostMissing extends Forbidden {}

/** The agent of host A reported for host B, or changed (or read) an instance that is not on A. */
export class InstanceNotOnHost extends Forbidden {}

registerRemoteError(CallerHostMissing);
registerRemoteError(InstanceNotOnHost);
