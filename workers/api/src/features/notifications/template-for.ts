import type { NotificationType } from "#shared/notify/catalog";
import { DEFAULT_TEMPLATES, type NotificationTemplate } from "#shared/notify/templates";

/**
 * The template a message of `type` is rendered from for `locale`. The built-in English
 * templates for now, whatever the locale.
 */
export async function templateFor(
  type: NotificationType,
  _locale: string,
): Promise<NotificationTemplate> {
  return DEFAULT_TEMPLATES[type];
}
