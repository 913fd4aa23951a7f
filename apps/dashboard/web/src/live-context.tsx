import { useQueryClient } from '@tanstack/react-query';
import { createContext, ReactNode, useContext, useEffect, useState } from 'react';
import { LiveConnection, LiveState } from './live';
import { applyServerEvent, Server, ServerEvent } from './servers';

const LiveContext = createContext<LiveState>('connecting');

/** The state of the event stream: `live` (lists follow events) or not (lists poll). */
export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

export const serversKey = (projectId: string) => ['servers', projectId] as const;

/**
 * Opens the event stream for the session and applies its events to the cached lists: a
 * compute.instance.* event updates the server list of the project in place. When events flow
 * again after a gap, the lists are reloaded (what happened meanwhile was not streamed).
 */
export function LiveProvider({ projectId, children }: { projectId: string; children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    const conn = new LiveConnection({
      onState: setState,
      onEvent: (e) => {
        if (e.type.startsWith('compute.instance.')) {
          client.setQueryData<Server[]>(serversKey(projectId), (list) => (list ? applyServerEvent(list, e as unknown as ServerEvent, projectId) : list));
          // a detail page open on that server reads it again (its view has more than the event's)
          const id = (e as unknown as ServerEvent).payload.server?.id;
          if (id) void client.invalidateQueries({ queryKey: ['server', id] });
        }
      },
      onResync: () => void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' }),
    });
    conn.start();
    return () => conn.stop();
  }, [client, projectId]);
  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
