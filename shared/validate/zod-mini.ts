/**
 * zod/mini for the hot paths (postback, events workers): the same zod core as the classic
 * schemas the api keeps, so the same checks give the same issues, in ~10 KiB gzip where
 * `import { z } from "zod"` costs ~90 KiB whatever one uses (docs/benchmarks.md "Bundle sizes").
 * zod/mini loads no locale: without `en` every message would be "Invalid input". The English
 * locale is imported by its own path; `z.locales.en` would pull in every locale (~40 KiB gzip).
 * Each mini schema has a fast-check test against the classic schema it stands in for.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

// Import as a namespace (`import * as z from "…/validate/zod-mini"`) and use `z.string()`
// etc.: esbuild then keeps only what is used. Re-exporting zod's `z` object as a value would
// keep every export of zod/mini (all locales, JSON Schema, ~50 KiB gzip).
export * from "zod/mini";
