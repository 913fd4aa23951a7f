/* eslint-disable @typescript-eslint/no-explicit-any -- JSON of the parser's AST */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const lib = join(__dirname, '..');

/** tools/ are ES modules, which jest's CommonJS runtime cannot import: parse in a child node. */
function parse(text: string): any[] {
  const script = `import(${JSON.stringify(join(lib, 'tools/xdr-parse.mjs'))}).then((m) => {
    try { process.stdout.write(JSON.stringify(m.parse(process.argv[1]))); }
    catch (e) { process.stdout.write(JSON.stringify({ error: e.message })); }
  })`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script, text], { encoding: 'utf8' }));
  if (out.error) throw new Error(out.error);
  return out;
}

describe('tools/gen.mjs', () => {
  it('src/generated/ is what protocol/*.x gives (regenerate with node tools/gen.mjs)', () => {
    expect(() =>
      execFileSync(process.execPath, [join(lib, 'tools/gen.mjs'), '--check'], { cwd: lib, stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('parses the XDR language as libvirt writes it: consts, typedefs, structs, unions, pass-through lines', () => {
    const defs = parse(`
%#include <libvirt/libvirt.h>
/* comment */ const MAX = 0x10; // trailing
typedef string remote_nonnull_string<MAX>;
typedef remote_nonnull_string *remote_string;
enum e { A = 1, B = 2 };
struct s { unsigned hyper h; char model[32]; opaque o<>; remote_string name; int ids<MAX>; };
union u switch (int type) { case A: int i; case B: remote_nonnull_string s; default: void; };
`);
    expect(defs.map((d: { kind: string; name: string }) => `${d.kind}:${d.name}`)).toEqual([
      'const:MAX',
      'typedef:remote_nonnull_string',
      'typedef:remote_string',
      'enum:e',
      'struct:s',
      'union:u',
    ]);
    expect(defs[4].fields.map((f: { type: { kind: string } }) => f.type.kind)).toEqual([
      'prim',
      'fixedArray',
      'opaque',
      'ref',
      'array',
    ]);
    expect(() => parse('struct x { int a }')).toThrow(/<input>:1: expected ;/);
  });
});
