import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/schema.ts",
  out: "./migrations",
  // Flat NNNN_name.sql files are what `wrangler d1 migrations apply` expects.
  migrations: { prefix: "index" },
});
