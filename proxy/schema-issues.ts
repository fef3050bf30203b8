// Turn TypeBox validation errors into ConfigIssues: a key path, what was expected, what was found.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Static, TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { ConfigIssue } from './errors.ts';

/** A path into a scenario as segments, rendered like `proxy.upstream[0].split.min`. */
export type KeyPath = (string | number)[];

export function renderPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** A short, readable rendering of a found value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${value.length} items)`;
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const compiled = new WeakMap<TSchema, ReturnType<typeof TypeCompiler.Compile>>();

function compile(schema: TSchema) {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

function issueFrom(error: ValueError, base: KeyPath): ConfigIssue & { segments: KeyPath } {
  const segments: KeyPath = [...base];
  for (const raw of error.path.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    segments.push(/^\d+$/.test(seg) ? Number(seg) : seg);
  }
  const message = error.message.replace(/^Expected /, '');
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((error.schema as { properties?: object }).properties ?? {});
    const key = segments[segments.length - 1];
    return {
      path: renderPath(segments),
      segments,
      expected: known.length > 0 ? `one of the keys ${known.join(', ')}` : 'no keys here',
      found: `the unknown key ${JSON.stringify(key)}`,
    };
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    return { path: renderPath(segments), segments, expected: 'this required key', found: 'nothing' };
  }
  const options = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (error.type === ValueErrorType.Union && options?.every((o) => o.const !== undefined)) {
    const names = options.map((o) => JSON.stringify(o.const)).join(', ');
    return { path: renderPath(segments), segments, expected: `one of ${names}`, found: describeValue(error.value) };
  }
  return { path: renderPath(segments), segments, expected: message, found: describeValue(error.value) };
}

/** Validate `value` against `schema`; returns the typed value or the issues found. */
export function validate<S extends TSchema>(
  schema: S,
  value: unknown,
  base: KeyPath,
): { ok: true; value: Static<S> } | { ok: false; issues: (ConfigIssue & { segments: KeyPath })[] } {
  const check = compile(schema);
  if (check.Check(value)) return { ok: true, value: value as Static<S> };
  const issues: (ConfigIssue & { segments: KeyPath })[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    const issue = issueFrom(error, base);
    // Unions report each branch; one line per key path is what a person wants.
    if (seen.has(issue.path)) continue;
    seen.add(issue.path);
    issues.push(issue);
  }
  return { ok: false, issues };
}
