import { BadRequest, Conflict, Forbidden, PayloadTooLarge } from '@kumo/common';
import { CORE, ImageDraft, READ_ONLY } from './image-draft';

/** The two JSON-patch media types Glance takes, with the JSON Schema draft each follows. */
export const PATCH_MEDIA_TYPES: ReadonlyMap<string, 4 | 10> = new Map([
  ['application/openstack-images-v2.0-json-patch', 4],
  ['application/openstack-images-v2.1-json-patch', 10],
]);

const OPERATIONS = ['add', 'remove', 'replace'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface PatchChange {
  op: Operation;
  /** The attribute (decoded JSON pointer's first token). */
  key: string;
  /** `/tags/-` or `/tags/N`: the second token. */
  item?: string;
  value?: unknown;
}

function operation(raw: Record<string, unknown>, draft: 4 | 10): { op: Operation; path: unknown } {
  if (draft === 10) {
    const op = raw.op;
    if (op === undefined || op === null) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPERATIONS.join(', ')}.`);
    if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
      throw new BadRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${OPERATIONS.join(', ')}.`);
    }
    if (!Object.hasOwn(raw, 'path')) throw new BadRequest("Unable to find 'path' in JSON Schema change");
    return { op: op as Operation, path: raw.path };
  }
  // draft 4 (v2.0): the operation is the member's name, its value the path: {"replace": "/name", "value": ...}
  const present = OPERATIONS.filter((o) => Object.hasOwn(raw, o));
  if (present.length > 1) throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  if (present.length === 0) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return { op: present[0], path: raw[present[0]] };
}

/** Glance's limited JSON pointers: `/attr`, plus Kumo's `/tags/-` and `/tags/N`. */
function pointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new BadRequest(`Pointer ${JSON.stringify(path)} is not a string.`);
  if (!path.startsWith('/')) throw new BadRequest(`Pointer \`${path}\` does not start with "/".`);
  if (/\/\s*?\//.test(path.slice(1))) throw new BadRequest(`Pointer \`${path}\` contains adjacent "/".`);
  if (path.length > 1 && path.endsWith('/')) throw new BadRequest(`Pointer \`${path}\` end with "/".`);
  if (/~[^01]/.test(path) || path.endsWith('~')) throw new BadRequest(`Pointer \`${path}\` contains "~" not part of a recognized escape sequence.`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/**
 * Parses and validates a whole patch before anything is applied, in one pass (Glance's
 * RequestDeserializer.update): a list of at most `maxOps` operation objects, each with a valid pointer
 * and, unless it removes, a value. Read-only attributes are refused here (403) as Glance does.
 */
export function parsePatch(body: unknown, draft: 4 | 10, maxOps: number): PatchChange[] {
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  if (body.length > maxOps) throw new PayloadTooLarge(`A patch may have at most ${maxOps} operations; this one has ${body.length}.`);
  return body.map((raw: unknown): PatchChange => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest('Operations must be JSON objects.');
    const change = raw as Record<string, unknown>;
    const { op, path } = operation(change, draft);
    const parts = pointer(path);
    const key = parts[0];
    const tagItem = parts.length === 2 && key === 'tags' && (parts[1] === '-' ? op === 'add' : /^\d+$/.test(parts[1]) && op === 'remove');
    if (parts.length !== 1 && !tagItem) throw new BadRequest(`Invalid JSON pointer for this resource: '/${parts.join('/')}'`);
    if (READ_ONLY.has(key)) throw new Forbidden(`Attribute '${key}' is read-only.`);
    if (op !== 'remove' && !Object.hasOwn(change, 'value')) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
    return { op, key, item: tagItem ? parts[1] : undefined, value: change.value };
  });
}

/**
 * Applies validated changes to a draft, in order, each in O(1) (the draft keeps properties in a Map):
 * add sets (and, in draft 4, refuses an attribute that exists: 409); replace needs one that exists (409);
 * remove refuses core attributes (403) and absent properties (409).
 */
export function applyPatch(draft: ImageDraft, changes: PatchChange[], version: 4 | 10): void {
  for (const c of changes) {
    if (c.item !== undefined) {
      if (c.item === '-') draft.addTag(c.value);
      else draft.removeTagAt(Number(c.item));
      continue;
    }
    switch (c.op) {
      case 'add':
        if (version === 4 && draft.has(c.key)) throw new Conflict(`Property ${c.key} already present.`);
        draft.set(c.key, c.value);
        break;
      case 'replace':
        if (!CORE.has(c.key) && !draft.has(c.key)) throw new Conflict(`Property ${c.key} does not exist.`);
        draft.set(c.key, c.value);
        break;
      case 'remove':
        draft.remove(c.key);
        break;
    }
  }
}
