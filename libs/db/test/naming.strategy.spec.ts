import { toSnakeCase } from '../src/naming.strategy';

describe('SnakeNamingStrategy', () => {
  it('maps camelCase to snake_case', () => {
    expect(toSnakeCase('taskState')).toBe('task_state');
    expect(toSnakeCase('defaultProjectId')).toBe('default_project_id');
    expect(toSnakeCase('HTTPServer')).toBe('http_server');
  });
});
