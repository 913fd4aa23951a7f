import { runService } from '@kumo/service';
import { MessagingClient } from '@kumo/messaging';
import { ImageClient, ServiceSession } from '@kumo/sdk';
import { loadComputeAgentConfig } from './agent/agent.config';
import { imageSnapshotStore, startAgent } from './agent/agent';
import { createComputeDriver } from './drivers/driver-registry';

/** The compute agent (one per hypervisor host; no database): serves computeAgent on its host's queue. */
void runService({
  name: 'compute-agent',
  config: () => loadComputeAgentConfig(),
  async start({ config, logger, onShutdown }) {
    const s = config.compute_agent;
    if (!s.service_password) throw new Error('compute_agent.service_password is not set: the agent fetches images as the identity service user');
    const session = new ServiceSession({ authUrl: s.auth_url, username: s.service_user, password: s.service_password, projectName: s.service_project });
    const images = new ImageClient(session, { endpoint: s.image_endpoint });
    const driver = createComputeDriver(s.driver, {
      logger,
      fetchImage: async (id, path) => void (await images.downloadToFile(id, path)),
      libvirt: {
        uri: s.libvirt_uri,
        connect: s.libvirt_socket ? { socketPath: s.libvirt_socket } : {},
        instancesPath: s.instances_path,
        domainPrefix: s.domain_prefix,
        virtType: s.virt_type,
        machine: s.machine_type,
        shutdownTimeoutMs: s.shutdown_timeout_seconds * 1000,
        softRebootWaitMs: s.soft_reboot_wait_seconds * 1000,
        startTimeoutMs: s.start_timeout_seconds * 1000,
        kvmProbeTimeoutMs: s.kvm_probe_timeout_seconds * 1000,
      },
    });
    const bus = new MessagingClient({ url: config.messaging.url, exchangePrefix: config.messaging.exchange_prefix, rpcTimeoutMs: config.messaging.rpc_timeout_ms, logger, connectionName: `kumo compute-agent ${s.host}` });
    onShutdown(() => bus.close(), 'data');
    const agent = await startAgent({ settings: s, bus, driver, snapshots: imageSnapshotStore(images), logger });
    onShutdown(() => agent.stop(), 'server');
  },
});
