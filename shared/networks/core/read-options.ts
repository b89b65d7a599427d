/** Any zod schema, classic or mini (both have `safeParse` from the same core). */
export type OptionsSchema<T> = {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
      };
};

export type OptionsRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Validates `settings.options` against an adapter's schema. A bad configuration is reported as
 * `misconfigured: <where>`, never thrown, and never treated as "no restriction".
 *
 * @example
 * const options = readOptions(AdmitadOptionsSchema, settings.options);
 * if (!options.ok) return { ok: false, kind: "auth", reason: options.reason };
 */
export function readOptions<T>(schema: OptionsSchema<T>, options: unknown): OptionsRead<T> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = parsed.error.issues[0];
  const where = first ? first.path.map(String).join(".") || "(options)" : "(options)";
  return { ok: false, reason: `misconfigured: options.${where}: ${first?.message ?? "invalid"}` };
}
