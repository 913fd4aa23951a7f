// A parser for the XDR language (RFC 4506 §6) as libvirt's .x files use it: const, enum, typedef,
// struct and union definitions, `%` pass-through lines and C comments (skipped). It returns the
// definitions in file order; tools/gen.mjs turns them into TypeScript. It reads a whole upstream
// remote_protocol.x as well as this library's subset (protocol/*.x).

const PUNCT = new Set(['{', '}', ';', ',', '=', '<', '>', '[', ']', '*', '(', ')', ':']);

export function tokenize(text, file = '<input>') {
  const tokens = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`${file}:${line}: unterminated comment`);
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 2;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '%' && (i === 0 || text[i - 1] === '\n')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (PUNCT.has(c)) {
      tokens.push({ t: c, line });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ t: 'id', v: text.slice(i, j), line });
      i = j;
    } else if (/[0-9-]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Fa-fx]/.test(text[j])) j++;
      const raw = text.slice(i, j);
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new Error(`${file}:${line}: bad number ${raw}`);
      tokens.push({ t: 'num', v, raw, line });
      i = j;
    } else {
      throw new Error(`${file}:${line}: unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

export function parse(text, file = '<input>') {
  const toks = tokenize(text, file);
  let p = 0;
  const peek = (k = 0) => toks[p + k];
  const fail = (msg) => {
    const tok = toks[Math.min(p, toks.length - 1)];
    throw new Error(`${file}:${tok ? tok.line : '?'}: ${msg}`);
  };
  const expect = (t, v) => {
    const tok = toks[p];
    if (!tok || tok.t !== t || (v !== undefined && tok.v !== v)) {
      fail(`expected ${v ?? t}, found ${tok ? (tok.v ?? tok.t) : 'end of file'}`);
    }
    p++;
    return tok;
  };
  const isId = (v) => peek() && peek().t === 'id' && peek().v === v;
  const ident = () => expect('id').v;
  /** a number or a constant's name */
  const value = () => {
    const tok = peek();
    if (tok && tok.t === 'num') return (p++, /^0x/i.test(tok.raw) ? { hex: tok.raw, v: tok.v } : tok.v);
    if (tok && tok.t === 'id') return (p++, tok.v);
    return fail('expected a value');
  };

  function typeSpecifier() {
    if (isId('unsigned')) {
      p++;
      if (isId('int') || isId('hyper') || isId('char') || isId('short') || isId('long')) {
        return { kind: 'prim', name: `unsigned ${ident()}` };
      }
      return { kind: 'prim', name: 'unsigned int' };
    }
    for (const prim of ['int', 'hyper', 'char', 'short', 'long', 'float', 'double', 'bool', 'quadruple']) {
      if (isId(prim)) return (p++, { kind: 'prim', name: prim });
    }
    if (isId('enum') || isId('struct') || isId('union'))
      fail('inline enum/struct/union bodies are not supported');
    return { kind: 'ref', name: ident() };
  }

  function declaration() {
    if (isId('void')) return (p++, { kind: 'void' });
    if (isId('opaque') || isId('string')) {
      const base = ident();
      const name = ident();
      if (peek().t === '[') {
        if (base === 'string') fail('string must be variable-length');
        p++;
        const size = value();
        expect(']');
        return { name, type: { kind: 'fixedOpaque', size } };
      }
      expect('<');
      const max = peek().t === '>' ? null : value();
      expect('>');
      return { name, type: { kind: base === 'string' ? 'string' : 'opaque', max } };
    }
    const type = typeSpecifier();
    if (peek().t === '*') {
      p++;
      return { name: ident(), type: { kind: 'optional', of: type } };
    }
    const name = ident();
    if (peek().t === '[') {
      p++;
      const size = value();
      expect(']');
      return { name, type: { kind: 'fixedArray', of: type, size } };
    }
    if (peek().t === '<') {
      p++;
      const max = peek().t === '>' ? null : value();
      expect('>');
      return { name, type: { kind: 'array', of: type, max } };
    }
    return { name, type };
  }

  const defs = [];
  while (p < toks.length) {
    const kw = ident();
    if (kw === 'const') {
      const name = ident();
      expect('=');
      defs.push({ kind: 'const', name, value: value() });
    } else if (kw === 'typedef') {
      const d = declaration();
      defs.push({ kind: 'typedef', name: d.name, type: d.type });
    } else if (kw === 'enum') {
      const name = ident();
      expect('{');
      const members = [];
      while (peek().t !== '}') {
        const member = ident();
        expect('=');
        members.push({ name: member, value: value() });
        if (peek().t === ',') p++;
      }
      expect('}');
      defs.push({ kind: 'enum', name, members });
    } else if (kw === 'struct') {
      const name = ident();
      expect('{');
      const fields = [];
      while (peek().t !== '}') {
        fields.push(declaration());
        expect(';');
      }
      expect('}');
      defs.push({ kind: 'struct', name, fields });
    } else if (kw === 'union') {
      const name = ident();
      expect('id', 'switch');
      expect('(');
      const discriminant = declaration();
      expect(')');
      expect('{');
      const arms = [];
      while (peek().t !== '}') {
        const cases = [];
        while (isId('case') || isId('default')) {
          if (ident() === 'default') cases.push('default');
          else cases.push(value());
          expect(':');
        }
        arms.push({ cases, decl: declaration() });
        expect(';');
      }
      expect('}');
      defs.push({ kind: 'union', name, discriminant, arms });
    } else {
      fail(`unexpected ${kw}`);
    }
    expect(';');
  }
  return defs;
}
