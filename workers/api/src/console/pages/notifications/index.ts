/** /console/notifications (docs/notifications.md): the templates per type and locale, promotional sends. */
export { PROMOTIONS_BASE, promotionsRoutes } from "./promotions";
export { TEMPLATES_BASE, templatesRoutes } from "./templates";
