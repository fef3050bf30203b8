// Test helper: the `code` of whatever a call throws (undefined when it does not throw).
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded: ${String(err)}`;
  }
  return undefined;
}
