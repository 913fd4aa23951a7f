import { useQuery } from '@tanstack/react-query';
import { getJson } from '../api';
import { useLiveState } from '../live-context';
import { Link, navigate } from '../router';
import { faultAdvice, Fault, powerStateLabel } from '../server-detail';
import { addressList, isTransitional, Server } from '../servers';
import type { SessionView } from '../session';
import { ErrorNote } from './common';
import { StatusBadge } from './InstancesTable';
import { ActionLog, ConsoleLog } from './InstanceLogs';
import { ServerActions } from './ServerActions';

/** The fields of GET /servers/{id} the page shows beyond the list's. */
type ServerDetail = Server & {
  fault?: Fault;
  key_name?: string | null;
  metadata?: Record<string, string>;
  security_groups?: Array<{ name: string }>;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  'OS-SRV-USG:launched_at'?: string | null;
};

function imageId(s: Server): string | undefined {
  return typeof s.image === 'object' ? s.image.id : s.image || undefined;
}

function FaultPanel({ fault }: { fault: Fault }) {
  return (
    <section className="panel error-panel" aria-labelledby="fault-title">
      <h2 id="fault-title">Why it is in ERROR</h2>
      <p>
        <strong>{fault.message ?? 'No message recorded.'}</strong>
        {fault.code !== undefined && <span className="sub">code {fault.code}{fault.created ? ` · ${new Date(fault.created).toLocaleString()}` : ''}</span>}
      </p>
      <p>{faultAdvice(fault)}</p>
      {fault.details && (
        <details>
          <summary>Details</summary>
          <pre className="console">{fault.details}</pre>
        </details>
      )}
    </section>
  );
}

/** `/instances/:id`: a server's fields, its fault when in ERROR, its actions, the action log and the console log. */
export function InstanceDetailPage({ session, id }: { session: SessionView; id: string }) {
  const live = useLiveState();
  const q = useQuery({
    queryKey: ['server', id],
    queryFn: async () => (await getJson<{ server: ServerDetail }>(`/api/compute/servers/${encodeURIComponent(id)}`)).server,
    // events refresh it (live-context); while it changes, or without events, it is read again every 5 s
    refetchInterval: (query) => (live !== 'live' || (query.state.data && isTransitional(query.state.data)) ? 5000 : false),
    retry: (n, err) => (err as { status?: number }).status !== 404 && n < 2,
  });
  const images = useQuery({ queryKey: ['images', session.project.id], queryFn: async () => (await getJson<{ images: Array<{ id: string; name?: string }> }>('/api/image/v2/images?limit=200')).images });
  const flavors = useQuery({
    queryKey: ['flavors', session.project.id],
    queryFn: async () => (await getJson<{ flavors: Array<{ id: string; name: string; vcpus: number; ram: number; disk: number }> }>('/api/compute/flavors/detail')).flavors,
    staleTime: 60_000,
  });
  const s = q.data;
  // the view at 2.1 names the flavor by id; its sizes come from the flavor list
  const flavor = s?.flavor && (s.flavor.vcpus !== undefined ? { name: s.flavor.original_name ?? s.flavor.id, ...s.flavor } : flavors.data?.find((f) => f.id === s.flavor?.id));
  const img = s && imageId(s);
  return (
    <section aria-labelledby="detail-title">
      <p>
        <Link href="/instances">← Instances</Link>
      </p>
      {q.isPending ? (
        <>
          <h1 id="detail-title">Instance</h1>
          <p role="status">Loading the instance…</p>
        </>
      ) : q.isError ? (
        <>
          <h1 id="detail-title">Instance</h1>
          <ErrorNote error={q.error} />
        </>
      ) : (
        s && (
          <>
            <div className="page-head">
              <h1 id="detail-title">{s.name}</h1>
              <StatusBadge server={s} />
            </div>
            <ServerActions server={s} projectId={session.project.id} onDeleted={() => navigate('/instances')} />
            {s.status === 'ERROR' && s.fault && <FaultPanel fault={s.fault} />}
            <h2>Fields</h2>
            <dl className="facts">
              <dt>ID</dt>
              <dd className="mono">{s.id}</dd>
              <dt>Status</dt>
              <dd>
                {s.status} (vm_state {s['OS-EXT-STS:vm_state'] ?? '—'}, task_state {s['OS-EXT-STS:task_state'] ?? 'none'})
              </dd>
              <dt>Power state</dt>
              <dd>{powerStateLabel(s['OS-EXT-STS:power_state']) || '—'}</dd>
              <dt>Flavor</dt>
              <dd>{flavor ? `${flavor.name} · ${flavor.vcpus} vCPU · ${flavor.ram} MiB RAM · ${flavor.disk} GiB disk` : (s.flavor?.id ?? '—')}</dd>
              <dt>Image</dt>
              <dd>{img ? (images.data?.find((i) => i.id === img)?.name ?? <span className="mono">{img}</span>) : '—'}</dd>
              <dt>Key pair</dt>
              <dd>{s.key_name || 'none'}</dd>
              <dt>Addresses</dt>
              <dd>{addressList(s).join('; ') || 'none'}</dd>
              <dt>Availability zone</dt>
              <dd>{s['OS-EXT-AZ:availability_zone'] || '—'}</dd>
              {s['OS-EXT-SRV-ATTR:host'] !== undefined && (
                <>
                  <dt>Host</dt>
                  <dd>{s['OS-EXT-SRV-ATTR:host'] ?? '—'}</dd>
                </>
              )}
              <dt>Security groups</dt>
              <dd>{(s.security_groups ?? []).map((g) => g.name).join(', ') || '—'}</dd>
              <dt>Metadata</dt>
              <dd>{Object.entries(s.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}</dd>
              <dt>Created</dt>
              <dd>{s.created ? new Date(s.created).toLocaleString() : '—'}</dd>
              <dt>Launched</dt>
              <dd>{s['OS-SRV-USG:launched_at'] ? new Date(s['OS-SRV-USG:launched_at']).toLocaleString() : '—'}</dd>
              <dt>Updated</dt>
              <dd>{s.updated ? new Date(s.updated).toLocaleString() : '—'}</dd>
            </dl>
            <ActionLog serverId={s.id} refreshKey={`${s.status}/${s['OS-EXT-STS:task_state'] ?? ''}`} />
            <ConsoleLog serverId={s.id} available={s.status !== 'BUILD' && (s['OS-EXT-STS:vm_state'] ?? '') !== 'building'} />
          </>
        )
      )}
    </section>
  );
}
