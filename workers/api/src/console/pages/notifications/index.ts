/** /console/notifications (docs/notifications.md): the templates per type and locale. */
export { TEMPLATES_BASE, templatesRoutes } from "./templates";
