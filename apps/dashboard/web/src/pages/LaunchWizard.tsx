import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, ReactNode, useEffect, useId, useRef, useState } from 'react';
import { getJson, sendJson } from '../api';
import { serversKey } from '../live-context';
import { AbsoluteLimits, Flavor, flavorMark, flavorTooSmall, Image, KeyPair, LaunchErrors, LaunchForm, offeredFlavors, serverCreateBody, validateLaunch } from '../launch';
import { ErrorNote } from './common';

const EMPTY: LaunchForm = { name: '', imageId: '', flavorId: '', keyName: '', userData: '', count: '1' };

/** The lists the wizard offers: images, flavors, key pairs and the project's limits. */
export function useLaunchChoices(projectId: string) {
  const images = useQuery({ queryKey: ['images', projectId], queryFn: async () => (await getJson<{ images: Image[] }>('/api/image/v2/images?limit=200')).images });
  const flavors = useQuery({ queryKey: ['flavors', projectId], queryFn: async () => (await getJson<{ flavors: Flavor[] }>('/api/compute/flavors/detail')).flavors, staleTime: 60_000 });
  const keypairs = useQuery({
    queryKey: ['keypairs', projectId],
    queryFn: async () => (await getJson<{ keypairs: Array<{ keypair: KeyPair }> }>('/api/compute/os-keypairs')).keypairs.map((k) => k.keypair),
  });
  const limits = useQuery({ queryKey: ['limits', projectId], queryFn: async () => (await getJson<{ limits: { absolute: AbsoluteLimits } }>('/api/compute/limits')).limits.absolute });
  return { images, flavors, keypairs, limits };
}

/** A labelled field with its message under it (aria-describedby, aria-invalid). */
function Field({ label, error, hint, children }: { label: string; error?: string; hint?: string; children: (ids: { id: string; describedBy?: string }) => ReactNode }) {
  const id = useId();
  const describedBy = [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {hint && (
        <span id={`${id}-hint`} className="sub">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

function FlavorCards({ flavors, image, value, error, onChange }: { flavors: Flavor[]; image?: Image; value: string; error?: string; onChange: (id: string) => void }) {
  const id = useId();
  return (
    <fieldset className="field flavors" aria-invalid={!!error} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Flavor</legend>
      <div className="cards">
        {flavors.map((f) => {
          const small = flavorTooSmall(f, image);
          const mark = flavorMark(f);
          return (
            <label key={f.id} className={`flavor-card${value === f.id ? ' chosen' : ''}${small ? ' too-small' : ''}`}>
              <input type="radio" name={`${id}-flavor`} value={f.id} checked={value === f.id} onChange={() => onChange(f.id)} />
              <span className="name">
                {mark && <span lang="ja">{mark} </span>}
                {f.name}
              </span>
              <span className="sub">
                {f.vcpus} vCPU · {f.ram >= 1024 ? `${f.ram / 1024} GiB` : `${f.ram} MiB`} RAM · {f.disk} GiB disk
              </span>
              {small && <span className="sub">too small for this image</span>}
            </label>
          );
        })}
      </div>
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </fieldset>
  );
}

/** The launch wizard: checks the form before POST /servers, then shows the API's own message if it refuses. */
export function LaunchWizard({ projectId, onClose, onLaunched }: { projectId: string; onClose: () => void; onLaunched: (name: string) => void }) {
  const client = useQueryClient();
  const { images, flavors, keypairs, limits } = useLaunchChoices(projectId);
  const [form, setForm] = useState<LaunchForm>(EMPTY);
  const [errors, setErrors] = useState<LaunchErrors>({});
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  // after a refused submit, the first field with a message takes the focus (its message is read with it)
  useEffect(() => {
    if (!refused) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (first?.tagName === 'FIELDSET' ? first.querySelector<HTMLElement>('input:checked, input') : first)?.focus();
  }, [refused]);
  const bootable = (images.data ?? []).filter((i) => i.status === 'active');
  const offered = offeredFlavors(flavors.data ?? []);
  const ctx = { images: images.data ?? [], flavors: offered, limits: limits.data };
  const create = useMutation({
    mutationFn: (f: LaunchForm) => sendJson<{ server?: { id: string } }>('POST', '/api/compute/servers', serverCreateBody(f)),
    onSuccess: (_r, f) => {
      void client.invalidateQueries({ queryKey: serversKey(projectId) });
      void client.invalidateQueries({ queryKey: ['limits', projectId] });
      onLaunched(f.name.trim());
    },
  });
  const set = (k: keyof LaunchForm) => (v: string) => {
    const next = { ...form, [k]: v };
    setForm(next);
    if (tried) setErrors(validateLaunch(next, ctx));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    const found = validateLaunch(form, ctx);
    setErrors(found);
    if (Object.keys(found).length) {
      setRefused((n) => n + 1);
      return;
    }
    create.mutate(form);
  };
  const loadError = images.error ?? flavors.error ?? keypairs.error;
  const image = ctx.images.find((i) => i.id === form.imageId);
  return (
    <section className="panel" aria-labelledby="launch-title">
      <h2 id="launch-title">Launch an instance</h2>
      {loadError && <ErrorNote error={loadError} />}
      <form ref={formRef} onSubmit={submit} noValidate>
        <Field label="Name" error={errors.name}>
          {({ id, describedBy }) => <input id={id} value={form.name} maxLength={300} autoComplete="off" aria-invalid={!!errors.name} aria-describedby={describedBy} onChange={(e) => set('name')(e.target.value)} />}
        </Field>
        <Field label="Image" error={errors.imageId}>
          {({ id, describedBy }) => (
            <select id={id} value={form.imageId} aria-invalid={!!errors.imageId} aria-describedby={describedBy} onChange={(e) => set('imageId')(e.target.value)}>
              <option value="">{images.isPending ? 'Loading images…' : 'Choose an image'}</option>
              {bootable.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name || i.id}
                  {i.min_disk || i.min_ram ? ` (needs ${i.min_disk ?? 0} GiB disk, ${i.min_ram ?? 0} MiB RAM)` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        {flavors.isPending ? <p role="status">Loading flavors…</p> : <FlavorCards flavors={offered} image={image} value={form.flavorId} error={errors.flavorId} onChange={set('flavorId')} />}
        <Field label="Key pair" hint={keypairs.data?.length === 0 ? 'No key pair in this project: create one with openstack keypair create.' : undefined}>
          {({ id, describedBy }) => (
            <select id={id} value={form.keyName} aria-describedby={describedBy} onChange={(e) => set('keyName')(e.target.value)}>
              <option value="">None</option>
              {(keypairs.data ?? []).map((k) => (
                <option key={k.name} value={k.name}>
                  {k.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="User data" error={errors.userData} hint="Text for cloud-init (sent base64-encoded, at most 65,535 characters encoded).">
          {({ id, describedBy }) => <textarea id={id} rows={4} className="mono" value={form.userData} aria-invalid={!!errors.userData} aria-describedby={describedBy} onChange={(e) => set('userData')(e.target.value)} />}
        </Field>
        <Field
          label="Count"
          error={errors.count}
          hint={limits.data && limits.data.maxTotalInstances >= 0 ? `${limits.data.totalInstancesUsed} of ${limits.data.maxTotalInstances} instances in use.` : undefined}
        >
          {({ id, describedBy }) => <input id={id} inputMode="numeric" value={form.count} aria-invalid={!!errors.count} aria-describedby={describedBy} onChange={(e) => set('count')(e.target.value)} />}
        </Field>
        {create.isError && <ErrorNote error={create.error} />}
        <div className="buttons">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Launching…' : 'Launch'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
