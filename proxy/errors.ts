// Coded error classes for the proxy and its configuration; users and tests match on `code`.

/** Base of every error wirefault raises on purpose. `code` is stable and documented in docs/errors.md. */
export class WirefaultError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a scenario: where, what was expected, what was found. */
export interface ConfigIssue {
  /** Key path in scenario notation, e.g. `proxy.upstream[0].split.min`. */
  path: string;
  expected: string;
  found: string;
  /** The file that set the key, when it is not the scenario itself (an `extends` base). */
  file?: string;
  /** 1-based position in the YAML source, when known. */
  line?: number;
  column?: number;
}

/** A scenario (or its proxy section) that does not validate. Exit code 2. */
export class ScenarioInvalidError extends WirefaultError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super('ERR_SCENARIO_INVALID', formatIssues(file, issues));
    this.file = file;
    this.issues = issues;
  }
}

function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const at = i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : '';
      return `${i.file ?? file}${at}: ${i.path || '(root)'}: expected ${i.expected}, found ${i.found}`;
    })
    .join('\n');
}

/** An address string (`host:port`) that cannot be parsed. */
export class BadAddressError extends WirefaultError {
  constructor(what: string, value: string) {
    super('ERR_BAD_ADDRESS', `${what}: expected HOST:PORT with a port 0-65535, found ${JSON.stringify(value)}`);
  }
}
