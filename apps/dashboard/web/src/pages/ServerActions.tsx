import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { request } from '../api';
import { ActionSpec, allowedActions } from '../actions';
import { serversKey } from '../live-context';
import type { Server } from '../servers';
import { ErrorNote } from './common';

/** POST /servers/{id}/action (or DELETE /servers/{id}): the CSRF token comes from the app's client. */
async function runAction(serverId: string, action: ActionSpec): Promise<void> {
  const path = `/api/compute/servers/${encodeURIComponent(serverId)}`;
  if (action.id === 'delete') await request(path, { method: 'DELETE' });
  else await request(`${path}/action`, { method: 'POST', body: JSON.stringify(action.body) });
}

/** "Delete web-1?": a modal alert dialog; the safe choice has the focus, Escape and Cancel close it. */
function ConfirmDialog({ action, server, onConfirm, onCancel }: { action: ActionSpec; server: Pick<Server, 'name'>; onConfirm: () => void; onCancel: () => void }) {
  const id = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  const keys = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Tab') {
      // the focus stays in the dialog
      const items = [...(boxRef.current?.querySelectorAll<HTMLElement>('button') ?? [])];
      const i = items.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i + 1) % items.length;
      e.preventDefault();
      items[next]?.focus();
    }
  };
  return (
    <div className="backdrop">
      <div ref={boxRef} role="alertdialog" aria-modal="true" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} onKeyDown={keys}>
        <h2 id={`${id}-t`}>
          {action.label} {server.name}?
        </h2>
        <p id={`${id}-d`}>{action.confirm}</p>
        <div className="buttons">
          <button type="button" className="danger" onClick={onConfirm}>
            {action.label}
          </button>
          <button type="button" ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

/**
 * The actions a server's state allows (actions.ts), as buttons named for the server; destructive
 * ones ask first. The list follows by itself (events, or polling); the detail is refetched.
 */
export function ServerActions({ server, projectId, onDeleted }: { server: Server; projectId: string; onDeleted?: () => void }) {
  const client = useQueryClient();
  const [asking, setAsking] = useState<ActionSpec>();
  const opener = useRef<HTMLElement | null>(null);
  const act = useMutation({
    mutationFn: (a: ActionSpec) => runAction(server.id, a),
    onSuccess: (_r, a) => {
      void client.invalidateQueries({ queryKey: serversKey(projectId) });
      void client.invalidateQueries({ queryKey: ['server', server.id] });
      void client.invalidateQueries({ queryKey: ['server-actions', server.id] });
      if (a.id === 'delete') onDeleted?.();
    },
  });
  const close = () => {
    setAsking(undefined);
    opener.current?.focus();
  };
  const offered = allowedActions(server);
  return (
    <div className="actions" role="group" aria-label={`Actions for ${server.name}`}>
      {offered.length === 0 && <span className="sub">No action while {server['OS-EXT-STS:task_state']?.replace(/_/g, ' ') ?? server.status.toLowerCase()}</span>}
      {offered.map((a) => (
        <button
          key={a.id}
          type="button"
          className={a.id === 'delete' ? 'danger' : undefined}
          aria-label={`${a.label} ${server.name}`}
          disabled={act.isPending}
          onClick={(e) => {
            act.reset();
            if (!a.confirm) return act.mutate(a);
            opener.current = e.currentTarget;
            setAsking(a);
          }}
        >
          {a.label}
        </button>
      ))}
      {act.isError && <ErrorNote error={act.error} />}
      {asking && (
        <ConfirmDialog
          action={asking}
          server={server}
          onCancel={close}
          onConfirm={() => {
            act.mutate(asking);
            close();
          }}
        />
      )}
    </div>
  );
}
