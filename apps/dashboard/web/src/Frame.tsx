import { ReactNode } from 'react';
import { ErrorNote } from './pages/common';
import { Link, PAGES, usePath } from './router';
import { SessionView, useLogout, useSwitchProject } from './session';

function ProjectSwitcher({ session }: { session: SessionView }) {
  const switcher = useSwitchProject();
  return (
    <label className="field inline">
      <span>Project</span>
      <select value={session.project.id} disabled={switcher.isPending || session.projects.length < 2} onChange={(e) => switcher.mutate(e.target.value)}>
        {session.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      {switcher.isError && <ErrorNote error={switcher.error} />}
    </label>
  );
}

/** The frame around every page: the project switcher, the user and logout, the navigation. */
export function Frame({ session, children }: { session: SessionView; children: ReactNode }) {
  const path = usePath();
  const logout = useLogout();
  return (
    <div className="frame">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">
          <span aria-hidden="true">雲</span> Kumo
        </span>
        <ProjectSwitcher session={session} />
        <span className="user">
          {session.user.name}
          {session.admin && <span className="tag">admin</span>}
        </span>
        <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
          Log out
        </button>
      </header>
      <nav aria-label="Main" className="side">
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <Link href={p.path} aria-current={path === p.path || (p.path !== '/' && path.startsWith(`${p.path}/`)) ? 'page' : undefined}>
                {p.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
