/** /console/notifications (docs/notifications.md): templates per type and locale, promotional sends, dead letters. */

export { DEAD_LETTERS_BASE, deadLettersRoutes } from "./dead-letters";
export { PROMOTIONS_BASE, promotionsRoutes } from "./promotions";
export { TEMPLATES_BASE, templatesRoutes } from "./templates";
