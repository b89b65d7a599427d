/**
 * What a schema made of a value, in the form the zod/mini equivalence tests compare: the parsed
 * value, or the issues (path, code, message, in order) a problem response is built from. Works
 * for zod classic and zod/mini alike. Test-only.
 */
export type Parser = {
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown };
};

export function parseOutcome(schema: Parser, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const { issues } = result.error as {
    issues: Array<{ path: PropertyKey[]; code: string; message: string }>;
  };
  return { ok: false, issues: issues.map(({ path, code, message }) => ({ path, code, message })) };
}
