import { Frame } from './Frame';
import { LiveProvider } from './live-context';
import { ErrorNote } from './pages/common';
import { InstanceDetailPage } from './pages/InstanceDetailPage';
import { InstancesPage } from './pages/InstancesPage';
import { LoginPage } from './pages/LoginPage';
import { IdentityPage, ImagesPage, ObjectStoragePage, OverviewPage } from './pages/OtherPages';
import { usePath } from './router';
import { SessionView, useSession } from './session';

function Page({ path, session }: { path: string; session: SessionView }) {
  const detail = /^\/instances\/([^/]+)$/.exec(path);
  if (detail) return <InstanceDetailPage key={detail[1]} session={session} id={decodeURIComponent(detail[1])} />;
  switch (path) {
    case '/':
      return <OverviewPage session={session} />;
    case '/instances':
      return <InstancesPage session={session} />;
    case '/images':
      return <ImagesPage session={session} />;
    case '/object-storage':
      return <ObjectStoragePage session={session} />;
    case '/identity':
      return <IdentityPage session={session} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>There is no page at {path}: choose one in the navigation.</p>
        </section>
      );
  }
}

export function App() {
  const session = useSession();
  const path = usePath();
  if (session.isPending) return <p role="status">Loading…</p>;
  if (session.isError) return <ErrorNote error={session.error} />;
  if (!session.data.authenticated) return <LoginPage />;
  return (
    <LiveProvider projectId={session.data.project.id}>
      <Frame session={session.data}>
        <Page path={path} session={session.data} />
      </Frame>
    </LiveProvider>
  );
}
