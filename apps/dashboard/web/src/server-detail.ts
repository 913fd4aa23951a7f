/** What the detail page reads beyond the list's view: the fault, the action log and its step timings. */

export interface Fault {
  code?: number;
  message?: string;
  details?: string;
  created?: string;
}

/** os-instance-actions: one action (GET …/os-instance-actions), with its events when shown (…/{request_id}). */
export interface InstanceAction {
  action: string;
  request_id: string;
  start_time: string;
  message?: string | null;
  user_id?: string;
  events?: InstanceActionEvent[];
}

export interface InstanceActionEvent {
  event: string;
  start_time?: string | null;
  finish_time?: string | null;
  result?: string | null;
  traceback?: string | null;
}

/** Nova's power_state numbers (nova/compute/power_state.py). */
const POWER: Record<number, string> = { 0: 'No state', 1: 'Running', 3: 'Paused', 4: 'Shut down', 6: 'Crashed', 7: 'Suspended' };
export function powerStateLabel(n: number | undefined): string {
  return n === undefined ? '' : (POWER[n] ?? `Unknown (${n})`);
}

/** The API's timestamps: ISO with or without a zone (Nova's os-instance-actions have none: UTC). */
export function parseTime(t: string | null | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A step's duration, `0.42 s`, `1 min 5 s`; undefined while it runs. */
export function stepDuration(e: Pick<InstanceActionEvent, 'start_time' | 'finish_time'>): string | undefined {
  const a = parseTime(e.start_time);
  const b = parseTime(e.finish_time);
  if (a === undefined || b === undefined) return undefined;
  return formatSeconds(Math.max(0, b - a) / 1000);
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** What a fault means and what to do, in a sentence, from its code and message. */
export function faultAdvice(f: Fault): string {
  const m = f.message ?? '';
  if (/no valid host/i.test(m)) return 'The scheduler found no compute host with room for this flavor (or none up). Delete this server and launch a smaller flavor, or ask an admin to free capacity.';
  if (/timed out|stopped reporting/i.test(m)) return 'The compute host did not finish the build in time. Delete the server and launch it again; if it repeats, ask an admin to check the host.';
  if (/failed to delete/i.test(m)) return 'Deleting the guest failed on its host: Delete again retries.';
  if (f.code === 500) return 'The operation failed on the compute host. The details (admins see them for this code) and the action log below show the step that failed. A hard reboot may recover the server; otherwise delete it.';
  return 'The last operation failed; the action log below shows the step that failed.';
}

/** Newest first. */
export function sortActions(list: InstanceAction[]): InstanceAction[] {
  return [...list].sort((a, b) => (parseTime(b.start_time) ?? 0) - (parseTime(a.start_time) ?? 0));
}
