import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { getJson, onUnauthorized, sendJson, setCsrfToken } from './api';

export interface ProjectChoice {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
}

/** GET /auth/session when logged in. */
export interface SessionView {
  authenticated: true;
  user: { id: string; name: string; domain: { id: string; name: string } };
  project: { id: string; name: string; domain: { id: string; name: string } };
  roles: string[];
  admin: boolean;
  projects: ProjectChoice[];
  services: string[];
  expiresAt: string;
  csrfToken: string;
}

export interface AnonymousView {
  authenticated: false;
  csrfToken: string;
}

export type SessionState = SessionView | AnonymousView;

export const SESSION_KEY = ['session'] as const;

/** The session, its CSRF token handed to the API client; a 401 anywhere reloads it (so the login shows). */
export function useSession() {
  const client = useQueryClient();
  const query = useQuery({ queryKey: SESSION_KEY, queryFn: () => getJson<SessionState>('/auth/session'), staleTime: 60_000 });
  useEffect(() => setCsrfToken(query.data?.csrfToken), [query.data?.csrfToken]);
  useEffect(() => onUnauthorized(() => void client.invalidateQueries({ queryKey: SESSION_KEY })), [client]);
  return query;
}

export interface LoginInput {
  domain: string;
  username: string;
  password: string;
}

/** After a login or a project switch, everything cached belonged to the previous scope. */
function useAdopt() {
  const client = useQueryClient();
  return (view: SessionView | undefined) => {
    if (!view) return;
    setCsrfToken(view.csrfToken);
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
    client.setQueryData(SESSION_KEY, view);
  };
}

export function useLogin() {
  const adopt = useAdopt();
  return useMutation({ mutationFn: (input: LoginInput) => sendJson<SessionView>('POST', '/auth/login', input), onSuccess: adopt });
}

export function useSwitchProject() {
  const adopt = useAdopt();
  return useMutation({ mutationFn: (projectId: string) => sendJson<SessionView>('POST', '/auth/project', { project_id: projectId }), onSuccess: adopt });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<void>('POST', '/auth/logout'),
    onSettled: () => {
      setCsrfToken(undefined);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      void client.resetQueries({ queryKey: SESSION_KEY });
    },
  });
}
