/** /console/notifications (docs/notifications.md): templates per type and locale, dead letters. */
export { DEAD_LETTERS_BASE, deadLettersRoutes } from "./dead-letters";
export { TEMPLATES_BASE, templatesRoutes } from "./templates";
