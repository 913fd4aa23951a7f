import { Forbidden } from '@kumo/common';
import {
  ADMIN,
  ADMIN_OR_OWNER,
  ADMIN_OR_PROJECT_MEMBER,
  ADMIN_OR_PROJECT_READER,
  ADMIN_OR_USER,
  DOMAIN_READER,
  PROJECT_MEMBER,
  PROJECT_READER,
  SYSTEM_ADMIN,
  SYSTEM_READER,
} from '../src/policy/defaults';
import { PolicyEnforcer, PolicyLogger } from '../src/policy/policy.enforcer';
import {
  allOf,
  anyOf,
  domainScope,
  not,
  ownProject,
  ownUser,
  projectScope,
  role,
  Rule,
  systemScope,
} from '../src/policy/rules';
import { expandRoles } from '../src/roles';
import { caller } from './helpers';

const system = (roles: string[]) =>
  caller(roles, { projectId: undefined, projectName: undefined, projectDomainId: undefined, system: true });
const domain = (roles: string[], domainId = 'd1') =>
  caller(roles, { projectId: undefined, projectName: undefined, projectDomainId: undefined, domainId });

class RecordingLogger implements PolicyLogger {
  readonly lines: string[] = [];
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

describe('role implication', () => {
  it('expands admin ⇒ member ⇒ reader and nothing else', () => {
    expect(expandRoles(['admin'])).toEqual(['admin', 'member', 'reader']);
    expect(expandRoles(['member'])).toEqual(['member', 'reader']);
    expect(expandRoles(['reader'])).toEqual(['reader']);
    expect(expandRoles(['service', 'member'])).toEqual(['member', 'reader', 'service']);
    expect(expandRoles(['Admin'])).toEqual(['Admin']);
  });

  it('applies in role() even when a context lists only the granted role', () => {
    const unexpanded = caller([], { roles: ['admin'] });
    expect(role('reader')(unexpanded, {})).toBe(true);
    expect(role('member')(caller([], { roles: ['reader'] }), {})).toBe(false);
  });
});

describe('rules', () => {
  it('tell the scopes apart', () => {
    expect([projectScope, domainScope, systemScope].map((r) => r(caller(['reader']), {}))).toEqual([
      true,
      false,
      false,
    ]);
    expect([projectScope, domainScope, systemScope].map((r) => r(domain(['reader']), {}))).toEqual([
      false,
      true,
      false,
    ]);
    expect([projectScope, domainScope, systemScope].map((r) => r(system(['reader']), {}))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('match ownership on the default field, a named field or a getter', () => {
    const me = caller(['member']);
    expect(ownProject(me, { project_id: 'p1' })).toBe(true);
    expect(ownProject(me, { project_id: 'p2' })).toBe(false);
    expect(ownProject(me, {})).toBe(false);
    expect(ownProject('tenant_id')(me, { tenant_id: 'p1', project_id: 'p2' })).toBe(true);
    expect(ownProject((t) => (t.server as { owner: string }).owner)(me, { server: { owner: 'p1' } })).toBe(
      true,
    );
    expect(ownUser(me, { user_id: 'u1' })).toBe(true);
    expect(ownUser('id')(me, { id: 'u2' })).toBe(false);
  });

  it('never match a missing project scope against a missing target field', () => {
    expect(ownProject(system(['admin']), {})).toBe(false);
    expect(ownProject(system(['admin']), { project_id: undefined })).toBe(false);
  });

  it('compose with anyOf, allOf and not', () => {
    const yes: Rule = () => true;
    const no: Rule = () => false;
    const me = caller(['reader']);
    expect([anyOf(no, yes)(me, {}), anyOf(no, no)(me, {}), anyOf()(me, {})]).toEqual([true, false, false]);
    expect([allOf(yes, yes)(me, {}), allOf(yes, no)(me, {}), allOf()(me, {})]).toEqual([true, false, true]);
    expect([not(yes)(me, {}), not(role('admin'))(me, {})]).toEqual([false, true]);
  });
});

describe('secure-RBAC defaults', () => {
  const own = { project_id: 'p1', user_id: 'u1' };
  const other = { project_id: 'p2', user_id: 'u2' };

  it('make admin on any scope the cloud admin', () => {
    for (const who of [caller(['admin'], { projectId: 'p9' }), system(['admin']), domain(['admin'])]) {
      expect(ADMIN_OR_PROJECT_MEMBER(who, other)).toBe(true);
    }
    expect(ADMIN(caller(['member']), own)).toBe(false);
  });

  it('confine members and readers to their own project', () => {
    expect(PROJECT_MEMBER(caller(['member']), own)).toBe(true);
    expect(PROJECT_MEMBER(caller(['member']), other)).toBe(false);
    expect(PROJECT_MEMBER(caller(['reader']), own)).toBe(false);
    expect(PROJECT_READER(caller(['reader']), own)).toBe(true);
    expect(PROJECT_READER(caller(['member']), own)).toBe(true);
    expect(ADMIN_OR_PROJECT_READER(caller(['reader']), other)).toBe(false);
    expect(ADMIN_OR_PROJECT_READER(caller([]), own)).toBe(false);
  });

  it('separate system, domain, project and user ownership', () => {
    expect(SYSTEM_READER(system(['reader']), {})).toBe(true);
    expect(SYSTEM_READER(caller(['admin']), {})).toBe(false);
    expect(SYSTEM_ADMIN(system(['member']), {})).toBe(false);
    expect(DOMAIN_READER(domain(['reader']), { domain_id: 'd1' })).toBe(true);
    expect(DOMAIN_READER(domain(['reader']), { domain_id: 'd2' })).toBe(false);
    expect(ADMIN_OR_OWNER(caller(['reader']), { project_id: 'p1' })).toBe(true);
    expect(ADMIN_OR_OWNER(caller(['reader']), { project_id: 'p2', user_id: 'u1' })).toBe(false);
    expect(ADMIN_OR_USER(caller(['reader']), { project_id: 'p2', user_id: 'u1' })).toBe(true);
  });
});

describe('PolicyEnforcer', () => {
  const rules = {
    'identity:list_users': anyOf(ADMIN, SYSTEM_READER),
    'compute:servers:show': ADMIN_OR_PROJECT_READER,
  };

  it('enforces with OpenStack’s message', () => {
    const enforcer = new PolicyEnforcer(rules, { logger: new RecordingLogger() });
    expect(() => enforcer.enforce('identity:list_users', caller(['admin']))).not.toThrow();
    let thrown: unknown;
    try {
      enforcer.enforce('identity:list_users', caller(['member']));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Forbidden);
    expect((thrown as Forbidden).status).toBe(403);
    expect((thrown as Forbidden).message).toBe(
      'You are not authorized to perform the requested action: identity:list_users.',
    );
  });

  it('checks against the target', () => {
    const enforcer = new PolicyEnforcer(rules, { logger: new RecordingLogger() });
    expect(enforcer.check('compute:servers:show', caller(['reader']), { project_id: 'p1' })).toBe(true);
    expect(enforcer.check('compute:servers:show', caller(['reader']), { project_id: 'p2' })).toBe(false);
    expect(enforcer.check('compute:servers:show', caller(['reader']))).toBe(false);
  });

  it('denies and logs an action without a rule, even for admin', () => {
    const logger = new RecordingLogger();
    const enforcer = new PolicyEnforcer(rules, { logger });
    expect(enforcer.check('identity:delete_everything', caller(['admin']))).toBe(false);
    expect(() => enforcer.enforce('identity:delete_everything', caller(['admin']))).toThrow(
      new Forbidden('You are not authorized to perform the requested action: identity:delete_everything.'),
    );
    expect(logger.lines).toEqual([
      'warn policy: no rule for identity:delete_everything; denied',
      'warn policy: no rule for identity:delete_everything; denied',
    ]);
  });

  it('denies and logs when a rule throws', () => {
    const logger = new RecordingLogger();
    const broken: Rule = (_auth, target) => (target.server as { id: string }).id === 'x';
    const enforcer = new PolicyEnforcer({ 'svc:broken': broken }, { logger });
    expect(enforcer.check('svc:broken', caller(['admin']), {})).toBe(false);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^error policy: the rule for svc:broken failed/);
  });

  it('takes several rule sets, refuses an action twice, and uses a service’s own message', () => {
    const enforcer = new PolicyEnforcer([rules, { 'svc:extra': ADMIN }], {
      message: (a) => `Policy doesn't allow ${a} to be performed.`,
    });
    expect(enforcer.actions()).toEqual(['compute:servers:show', 'identity:list_users', 'svc:extra']);
    expect(() => enforcer.register({ 'svc:extra': ADMIN })).toThrow(
      'policy: a rule for svc:extra is already registered',
    );
    expect(() => enforcer.enforce('svc:extra', caller(['member']))).toThrow(
      "Policy doesn't allow svc:extra to be performed.",
    );
  });
});
