import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { getJson } from '../api';
import { serversKey, useLiveState } from '../live-context';
import { pollInterval } from '../live';
import { Server } from '../servers';
import type { SessionView } from '../session';
import { ErrorNote } from './common';
import { InstancesTable } from './InstancesTable';
import { LaunchWizard } from './LaunchWizard';
import { ServerActions } from './ServerActions';

/** GET /api/compute/servers/detail: the project's servers, kept fresh by the event stream (or polling without it). */
export function InstancesPage({ session }: { session: SessionView }) {
  const live = useLiveState();
  const [filter, setFilter] = useState('');
  const [launching, setLaunching] = useState(false);
  const [launched, setLaunched] = useState<string>();
  const servers = useQuery({
    queryKey: serversKey(session.project.id),
    queryFn: async () => (await getJson<{ servers: Server[] }>('/api/compute/servers/detail')).servers,
    refetchInterval: pollInterval(live),
  });
  return (
    <section aria-labelledby="instances-title">
      <div className="page-head">
        <h1 id="instances-title">Instances</h1>
        <p className={`live live-${live}`} role="status">
          {live === 'live' ? 'Live: statuses change as they happen' : live === 'connecting' ? 'Connecting to live updates…' : 'Live updates unavailable: refreshing every 5 s'}
        </p>
        <button
          type="button"
          className="primary"
          aria-expanded={launching}
          onClick={() => {
            setLaunching(!launching);
            setLaunched(undefined);
          }}
        >
          Launch instance
        </button>
      </div>
      {launching && (
        <LaunchWizard
          projectId={session.project.id}
          onClose={() => setLaunching(false)}
          onLaunched={(name) => {
            setLaunching(false);
            setLaunched(name);
          }}
        />
      )}
      <p role="status" className="note">
        {launched ? `Launching “${launched}”: it appears below as it builds.` : ''}
      </p>
      <label className="field inline">
        <span>Filter</span>
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, id or status" />
      </label>
      {servers.isPending ? <p role="status">Loading instances…</p> : servers.isError ? <ErrorNote error={servers.error} /> : <InstancesTable servers={servers.data} filter={filter} actions={(s) => <ServerActions server={s} projectId={session.project.id} />} />}
    </section>
  );
}
