import { useQuery } from '@tanstack/react-query';
import { getJson } from '../api';
import type { SessionView } from '../session';
import { ErrorNote } from './common';

/** The session: who, which project, which roles, which services the catalog offers. */
export function OverviewPage({ session }: { session: SessionView }) {
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <dl className="facts">
        <dt>User</dt>
        <dd>
          {session.user.name} <span className="sub">domain {session.user.domain.name}</span>
        </dd>
        <dt>Project</dt>
        <dd>{session.project.name}</dd>
        <dt>Roles</dt>
        <dd>{session.roles.join(', ') || 'none'}</dd>
        <dt>Services</dt>
        <dd>{session.services.join(', ')}</dd>
        <dt>Session ends</dt>
        <dd>
          <time dateTime={session.expiresAt}>{new Date(session.expiresAt).toLocaleString()}</time>
        </dd>
      </dl>
    </section>
  );
}

interface Image {
  id: string;
  name?: string | null;
  status: string;
  visibility: string;
  size?: number | null;
  disk_format?: string | null;
}

function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** GET /api/image/v2/images: the images the project sees (its own, shared, public). */
export function ImagesPage({ session }: { session: SessionView }) {
  const q = useQuery({ queryKey: ['images', session.project.id], queryFn: async () => (await getJson<{ images: Image[] }>('/api/image/v2/images?limit=200')).images });
  return (
    <section aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      {q.isPending ? (
        <p role="status">Loading images…</p>
      ) : q.isError ? (
        <ErrorNote error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="empty">No images yet: upload one with <code>openstack image create --file</code>.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Images</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Visibility</th>
              <th scope="col">Format</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((i) => (
              <tr key={i.id}>
                <th scope="row">
                  <span className="name">{i.name || '(no name)'}</span>
                  <span className="sub mono">{i.id}</span>
                </th>
                <td>{i.status}</td>
                <td>{i.visibility}</td>
                <td>{i.disk_format ?? ''}</td>
                <td>{bytes(i.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface Container {
  name: string;
  count: number;
  bytes: number;
}

/** GET /api/object-store/?format=json: the project's containers (its account). */
export function ObjectStoragePage({ session }: { session: SessionView }) {
  const q = useQuery({ queryKey: ['containers', session.project.id], queryFn: () => getJson<Container[]>('/api/object-store/?format=json') });
  return (
    <section aria-labelledby="objects-title">
      <h1 id="objects-title">Object storage</h1>
      {q.isPending ? (
        <p role="status">Loading containers…</p>
      ) : q.isError ? (
        <ErrorNote error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="empty">No containers yet: create one with <code>openstack container create</code>.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Containers</caption>
          <thead>
            <tr>
              <th scope="col">Container</th>
              <th scope="col">Objects</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.count}</td>
                <td>{bytes(c.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The user's projects and roles (the session's); an admin's identity management comes here. */
export function IdentityPage({ session }: { session: SessionView }) {
  return (
    <section aria-labelledby="identity-title">
      <h1 id="identity-title">Identity</h1>
      <h2>Your projects</h2>
      <ul className="plain">
        {session.projects.map((p) => (
          <li key={p.id}>
            {p.name} {p.id === session.project.id && <span className="sub">(current; roles: {session.roles.join(', ')})</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
