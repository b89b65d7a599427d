/**
 * Offer discovery for shoppers: the public catalog (search, categories, merchant pages), its
 * full-text index and its edge cache.
 *
 * The catalog's stores (catalog, campaigns, sync) call the index's one write path,
 * `catalogWriteStatements`, on every write. They import it from `./search-index` rather than
 * from here: this index pulls in the routes, which read the catalog's schemas, and the catalog
 * importing it back would be a cycle. search-index.ts imports no other feature.
 */
export { catalogCaller, PUBLIC_CATALOG_PATHS } from "./public-access";
export { catalogPublicRoutes } from "./routes";
export {
  type CatalogWrite,
  catalogWriteStatements,
  indexUnindexedOffers,
  reindexOffers,
} from "./search-index";
