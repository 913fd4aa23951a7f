import { FormEvent, useState } from 'react';
import { useLogin } from '../session';
import { ErrorNote } from './common';

/** Domain, user name, password: a password login at identity, then the first project (switch it in the frame). */
export function LoginPage() {
  const login = useLogin();
  const [domain, setDomain] = useState('Default');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ domain, username, password });
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title" className="card">
        <h1 id="login-title">Log in to Kumo</h1>
        <label className="field">
          <span>Domain</span>
          <input name="domain" value={domain} onChange={(e) => setDomain(e.target.value)} required autoComplete="organization" />
        </label>
        <label className="field">
          <span>User name</span>
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="username" autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />
        </label>
        {login.isError && <ErrorNote error={login.error} />}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
