import { AnchorHTMLAttributes, MouseEvent, useSyncExternalStore } from 'react';

/** The app's pages, by path: one place that names them (the frame's navigation reads it). */
export const PAGES = [
  { path: '/', title: 'Overview' },
  { path: '/instances', title: 'Instances' },
  { path: '/images', title: 'Images' },
  { path: '/object-storage', title: 'Object storage' },
  { path: '/identity', title: 'Identity' },
] as const;
export type PagePath = (typeof PAGES)[number]['path'];

const listeners = new Set<() => void>();
function subscribe(l: () => void): () => void {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
}

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  for (const l of listeners) l();
}

/** The current path (re-renders on navigation and on the browser's back/forward). */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** A link that navigates inside the app (a modified click opens a tab as usual). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}
