import { useQueries, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { getJson, sendJson } from '../api';
import { InstanceAction, parseTime, sortActions, stepDuration } from '../server-detail';
import { ErrorNote } from './common';

const enc = encodeURIComponent;
/** How many of the newest actions get their events (one request each). */
const ACTIONS_WITH_EVENTS = 10;

function When({ t, timeOnly }: { t?: string | null; timeOnly?: boolean }) {
  const ms = parseTime(t);
  if (ms === undefined) return <>—</>;
  const d = new Date(ms);
  return <time dateTime={d.toISOString()}>{timeOnly ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 }) : d.toLocaleString()}</time>;
}

/** os-instance-actions, newest first, each with its events: start, finish, duration and result (the step timings). */
export function ActionLog({ serverId, refreshKey }: { serverId: string; refreshKey: string }) {
  const list = useQuery({
    queryKey: ['server-actions', serverId, refreshKey],
    queryFn: async () => sortActions((await getJson<{ instanceActions: InstanceAction[] }>(`/api/compute/servers/${enc(serverId)}/os-instance-actions`)).instanceActions),
  });
  const shown = (list.data ?? []).slice(0, ACTIONS_WITH_EVENTS);
  const details = useQueries({
    queries: shown.map((a) => ({
      queryKey: ['server-actions', serverId, refreshKey, a.request_id],
      queryFn: async () => (await getJson<{ instanceAction: InstanceAction }>(`/api/compute/servers/${enc(serverId)}/os-instance-actions/${enc(a.request_id)}`)).instanceAction,
    })),
  });
  return (
    <section aria-labelledby="action-log-title">
      <h2 id="action-log-title">Action log</h2>
      {list.isPending ? (
        <p role="status">Loading the action log…</p>
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : list.data.length === 0 ? (
        <p className="empty">No action recorded.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Actions on this server, newest first, with their steps</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Started</th>
              <th scope="col">Steps (start, finish, duration, result)</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((a, i) => {
              const d = i < details.length ? details[i] : undefined;
              return (
                <tr key={a.request_id}>
                  <th scope="row">
                    <span className="name">{a.action}</span>
                    <span className="sub mono">{a.request_id}</span>
                    {a.message && <span className="sub">{a.message}</span>}
                  </th>
                  <td>
                    <When t={a.start_time} />
                  </td>
                  <td>
                    {!d ? (
                      <span className="sub">steps of the {ACTIONS_WITH_EVENTS} newest actions only</span>
                    ) : d.isPending ? (
                      <span className="sub">loading…</span>
                    ) : d.isError ? (
                      <ErrorNote error={d.error} />
                    ) : (d.data.events ?? []).length === 0 ? (
                      <span className="sub">no step recorded</span>
                    ) : (
                      <ul className="events">
                        {d.data.events!.map((e, j) => (
                          <li key={`${e.event}-${j}`}>
                            <span className="mono">{e.event}</span>: <When t={e.start_time} timeOnly /> → <When t={e.finish_time} timeOnly />
                            {' · '}
                            {stepDuration(e) ?? 'running'}
                            {' · '}
                            <strong className={e.result === 'Error' ? 'field-error' : undefined}>{e.result ?? 'in progress'}</strong>
                            {e.traceback && <pre className="console">{e.traceback}</pre>}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

const LENGTHS = [50, 200, 1000, 0] as const;

/** os-getConsoleOutput: the last `length` lines of the serial log (0: all of it), refreshed on demand. */
export function ConsoleLog({ serverId, available }: { serverId: string; available: boolean }) {
  const id = useId();
  const [length, setLength] = useState<number>(50);
  const out = useQuery({
    queryKey: ['server-console', serverId, length],
    enabled: available,
    retry: false,
    queryFn: async () => (await sendJson<{ output: string }>('POST', `/api/compute/servers/${enc(serverId)}/action`, { 'os-getConsoleOutput': length ? { length } : {} }))?.output ?? '',
  });
  return (
    <section aria-labelledby={`${id}-t`}>
      <h2 id={`${id}-t`}>Console log</h2>
      <div className="buttons">
        <label className="field inline">
          <span>Lines</span>
          <select value={length} onChange={(e) => setLength(Number(e.target.value))}>
            {LENGTHS.map((n) => (
              <option key={n} value={n}>
                {n ? `last ${n}` : 'all'}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void out.refetch()} disabled={!available || out.isFetching}>
          {out.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {!available ? (
        <p className="empty">No console log until the server has been placed on a host and built.</p>
      ) : out.isPending ? (
        <p role="status">Loading the console log…</p>
      ) : out.isError ? (
        <ErrorNote error={out.error} />
      ) : (
        <pre className="console" tabIndex={0} aria-label={`Console log, ${length ? `last ${length} lines` : 'all lines'}`}>
          {out.data || '(empty)'}
        </pre>
      )}
    </section>
  );
}
