import { z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import {
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  type NotificationCategory,
  type NotificationChannel,
} from "#shared/notify/catalog";
import type { NotificationPreferences } from "#shared/notify/preferences";
import { isValidTimeZone } from "#shared/rules/local-time";

/** `HH:MM` (24 h) or minutes since local midnight, read as minutes. */
export const LocalTimeSchema = z
  .union([
    z
      .string()
      .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "a local time as HH:MM (00:00–23:59)")
      .transform((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))),
    z.number().int().min(0).max(1439),
  ])
  .openapi({
    description: "a local time: `HH:MM` (24 h) or minutes since midnight (0–1439)",
    example: "22:00",
  });

export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, "an IANA time zone such as Asia/Kolkata")
  .openapi({ example: "Asia/Kolkata" });

/** A BCP 47 tag: language, optional script and region (`en`, `hi-IN`, `zh-Hant-TW`). */
export const LocaleSchema = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$/, "a BCP 47 tag such as hi-IN")
  .openapi({ example: "en-IN" });

/** A local window; start after end spans midnight. The bounds may not be equal. */
export const LocalWindowInputSchema = z
  .strictObject({ start: LocalTimeSchema, end: LocalTimeSchema })
  .refine((w) => w.start !== w.end, { message: "start and end must differ", path: ["end"] });

export const LocalWindowSchema = z
  .object({
    start: z.string().openapi({ example: "22:00" }),
    end: z.string().openapi({ example: "08:00" }),
  })
  .openapi("LocalWindow");

const channelSwitches = (optional: boolean) =>
  z.strictObject(
    Object.fromEntries(
      NOTIFICATION_CHANNELS.map((ch) => [ch, optional ? z.boolean().optional() : z.boolean()]),
    ) as Record<NotificationChannel, z.ZodBoolean>,
  );

export const PreferencesSchema = z
  .object({
    timeZone: z.string(),
    locale: z.string(),
    channels: z.object(
      Object.fromEntries(NOTIFICATION_CATEGORIES.map((c) => [c, channelSwitches(false)])) as Record<
        NotificationCategory,
        ReturnType<typeof channelSwitches>
      >,
    ),
    promotionalOptIn: z.boolean(),
    quietHours: LocalWindowSchema.nullable(),
    updatedAt: z.string().nullable().describe("when they were last changed; null: never"),
  })
  .openapi("NotificationPreferences");

/** A change: every key optional, channels per category per channel; unknown keys refused. */
export const PreferencesChangeSchema = z
  .strictObject({
    timeZone: TimeZoneSchema.optional(),
    locale: LocaleSchema.optional(),
    channels: z
      .strictObject(
        Object.fromEntries(
          NOTIFICATION_CATEGORIES.map((c) => [c, channelSwitches(true).optional()]),
        ) as Record<NotificationCategory, z.ZodOptional<ReturnType<typeof channelSwitches>>>,
      )
      .optional(),
    promotionalOptIn: z.boolean().optional(),
    quietHours: LocalWindowInputSchema.nullable().optional(),
  })
  .openapi("NotificationPreferencesChange");

export type PreferencesChange = z.infer<typeof PreferencesChangeSchema>;

export const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** Pure: the wire form of stored preferences. */
export function preferencesView(prefs: NotificationPreferences, updatedAtMs: number | null) {
  return {
    timeZone: prefs.timeZone,
    locale: prefs.locale,
    channels: prefs.channels,
    promotionalOptIn: prefs.promotionalOptIn,
    quietHours:
      prefs.quietHours === null
        ? null
        : { start: hhmm(prefs.quietHours.startMinute), end: hhmm(prefs.quietHours.endMinute) },
    updatedAt: updatedAtMs === null ? null : new Date(updatedAtMs).toISOString(),
  };
}

/**
 * Pure: a change applied to current preferences. Throws `channels_required` (422) when the
 * result leaves `critical` or `transactional` with every channel off: those categories can be
 * turned off only channel by channel.
 */
export function applyChange(
  current: NotificationPreferences,
  change: PreferencesChange,
): NotificationPreferences {
  const channels = structuredClone(current.channels);
  for (const category of NOTIFICATION_CATEGORIES) {
    for (const channel of NOTIFICATION_CHANNELS) {
      const value = change.channels?.[category]?.[channel];
      if (value !== undefined) channels[category][channel] = value;
    }
  }
  const fields = (["critical", "transactional"] as const)
    .filter((category) => NOTIFICATION_CHANNELS.every((ch) => !channels[category][ch]))
    .map((category) => ({
      path: `channels.${category}`,
      message: `${category} messages cannot be turned off; keep at least one channel on`,
    }));
  if (fields.length > 0) {
    throw new AppError(
      "channels_required",
      "critical and transactional messages can be turned off only channel by channel",
      fields,
    );
  }
  return {
    timeZone: change.timeZone ?? current.timeZone,
    locale: change.locale ?? current.locale,
    channels,
    promotionalOptIn: change.promotionalOptIn ?? current.promotionalOptIn,
    quietHours:
      change.quietHours === undefined
        ? current.quietHours
        : change.quietHours === null
          ? null
          : { startMinute: change.quietHours.start, endMinute: change.quietHours.end },
  };
}
