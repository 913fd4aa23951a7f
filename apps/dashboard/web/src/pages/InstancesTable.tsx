import type { ReactNode } from 'react';
import { Link } from '../router';
import { addressList, Server, statusLabel, statusTone } from '../servers';

export function StatusBadge({ server }: { server: Pick<Server, 'status' | 'OS-EXT-STS:task_state'> }) {
  const tone = statusTone(server);
  return (
    <span className={`badge badge-${tone}`} data-tone={tone}>
      {tone === 'busy' && <span className="spinner" aria-hidden="true" />}
      {statusLabel(server)}
    </span>
  );
}

function flavorName(s: Server): string {
  const f = s.flavor;
  if (!f) return '';
  const size = f.vcpus !== undefined && f.ram !== undefined ? ` (${f.vcpus} vCPU, ${f.ram} MiB)` : '';
  return `${f.original_name ?? f.id ?? ''}${size}`;
}

export function matchesFilter(s: Server, filter: string): boolean {
  const q = filter.trim().toLowerCase();
  return !q || s.name.toLowerCase().includes(q) || s.id.startsWith(q) || s.status.toLowerCase() === q;
}

/** The servers, newest first, those matching `filter` (name, id prefix or status). */
export function InstancesTable({ servers, filter = '', actions }: { servers: Server[]; filter?: string; actions?: (s: Server) => ReactNode }) {
  const rows = servers.filter((s) => matchesFilter(s, filter)).sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name));
  if (servers.length === 0) return <p className="empty">No instances in this project yet. Launch one (above, or with <code>openstack server create</code>): it appears here as it builds.</p>;
  if (rows.length === 0) return <p className="empty">No instance matches “{filter}”.</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">Instances of the project, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Addresses</th>
          <th scope="col">Flavor</th>
          <th scope="col">Created</th>
          {actions && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={s.id} data-server-id={s.id}>
            <th scope="row">
              <Link className="name" href={`/instances/${encodeURIComponent(s.id)}`}>
                {s.name}
              </Link>
              <span className="sub mono">{s.id}</span>
            </th>
            <td>
              <StatusBadge server={s} />
              {s.status === 'ERROR' && s.fault?.message && <span className="sub">{s.fault.message}</span>}
            </td>
            <td>
              {addressList(s).map((a) => (
                <span key={a} className="sub mono">
                  {a}
                </span>
              ))}
            </td>
            <td>{flavorName(s)}</td>
            <td>{s.created ? <time dateTime={s.created}>{new Date(s.created).toLocaleString()}</time> : ''}</td>
            {actions && <td>{actions(s)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
