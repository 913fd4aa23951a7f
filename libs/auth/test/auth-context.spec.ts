import { authContextFromTokenBody, scopeOf, TokenBodyError } from '../src/auth-context';
import { projectTokenBody } from './helpers';

describe('authContextFromTokenBody', () => {
  it('reads a recorded project-scoped Keystone token body', () => {
    const auth = authContextFromTokenBody('gAAAAABtoken', projectTokenBody());
    expect(auth).toEqual({
      token: 'gAAAAABtoken',
      userId: '9a1c2b7e4f3d4c8e9b0a6d5f2e1c3b4a',
      userName: 'alice',
      userDomainId: 'default',
      userDomainName: 'Default',
      projectId: '5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b',
      projectName: 'demo',
      projectDomainId: 'default',
      roles: ['member', 'reader'],
      expiresAt: new Date('2030-06-01T12:00:00.000Z'),
      issuedAt: new Date('2030-06-01T11:00:00.000Z'),
      auditIds: ['3T2dc1CGQxyJsHdDu1xkcw', 'Xd8Ipkm6RXSwOCBL7XUmAw'],
    });
    expect(scopeOf(auth)).toBe('project');
  });

  it('expands implied roles and marks service users', () => {
    const body = projectTokenBody();
    body.token.roles = [
      { id: 'r1', name: 'admin' },
      { id: 'r2', name: 'service' },
    ];
    const auth = authContextFromTokenBody('t', body);
    expect(auth.roles).toEqual(['admin', 'member', 'reader', 'service']);
    expect(auth.isServiceUser).toBe(true);
    expect(authContextFromTokenBody('t', body, { serviceRoles: ['nova'] }).isServiceUser).toBeUndefined();
  });

  it('reads domain and system scopes and application credentials', () => {
    const body = projectTokenBody();
    delete body.token.project;
    body.token.domain = { id: 'd1', name: 'Engineering' };
    const domainScoped = authContextFromTokenBody('t', body);
    expect(domainScoped).toMatchObject({ domainId: 'd1', domainName: 'Engineering' });
    expect(domainScoped.projectId).toBeUndefined();
    expect(scopeOf(domainScoped)).toBe('domain');

    delete body.token.domain;
    body.token.system = { all: true };
    body.token.methods = ['application_credential'];
    body.token.application_credential = { id: 'ac1', name: 'ci', restricted: true };
    const system = authContextFromTokenBody('t', body);
    expect(system).toMatchObject({ system: true, applicationCredentialId: 'ac1' });
    expect(scopeOf(system)).toBe('system');
  });

  it('reads an unscoped token without roles', () => {
    const body = projectTokenBody();
    delete body.token.project;
    delete body.token.roles;
    const auth = authContextFromTokenBody('t', body);
    expect(auth.roles).toEqual([]);
    expect(scopeOf(auth)).toBe('unscoped');
  });

  it('rejects bodies that are not Keystone tokens, naming the field', () => {
    expect(() => authContextFromTokenBody('t', { error: { code: 404 } })).toThrow(TokenBodyError);
    const body = projectTokenBody();
    body.token.expires_at = 'tomorrow';
    expect(() => authContextFromTokenBody('t', body)).toThrow(/token\.expires_at: not a timestamp/);
    const noUser = projectTokenBody();
    delete noUser.token.user;
    expect(() => authContextFromTokenBody('t', noUser)).toThrow(/token\.user/);
  });
});
