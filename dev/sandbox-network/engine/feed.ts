import { z } from "zod";

/**
 * The sandbox network's offer feed, in the wire shape merchant sync will read
 * (`GET <feedUrl>`). Test code edits it through `SandboxNetwork.updateFeed` and friends, so a
 * test can remove an offer, change a rate or make the feed fail, then run a sync.
 */

const RateBps = z.number().int().min(0).max(10_000).describe("rate in basis points");
const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "ids are printable ASCII without spaces");

export const SandboxFeedOfferSchema = z
  .object({
    id: Id.describe("the network's offer id (Boomerang's networkOfferRef)"),
    title: z.string().min(1).max(200),
    currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code"),
    default_rate_bps: RateBps,
    category_rates: z.record(z.string().min(1).max(64), RateBps).default({}),
    return_window_days: z.number().int().min(0).max(365),
    active: z.boolean().default(true),
  })
  .strict();

export const SandboxFeedMerchantSchema = z
  .object({
    id: Id,
    name: z.string().min(1).max(200),
    landing_url: z.url({ protocol: /^https?$/ }).max(2_000),
    offers: z.array(SandboxFeedOfferSchema).max(1_000),
  })
  .strict();

export const SandboxFeedSchema = z
  .object({ merchants: z.array(SandboxFeedMerchantSchema).max(1_000) })
  .strict()
  .superRefine((feed, ctx) => {
    // Duplicate ids would make "remove this offer" ambiguous for the sync under test.
    const merchants = new Set<string>();
    feed.merchants.forEach((merchant, i) => {
      if (merchants.has(merchant.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["merchants", i, "id"],
          message: "duplicate merchant id",
        });
      }
      merchants.add(merchant.id);
      const offers = new Set<string>();
      merchant.offers.forEach((offer, j) => {
        if (offers.has(offer.id)) {
          ctx.addIssue({
            code: "custom",
            path: ["merchants", i, "offers", j, "id"],
            message: "duplicate offer id within the merchant",
          });
        }
        offers.add(offer.id);
      });
    });
  });

export type SandboxFeed = z.infer<typeof SandboxFeedSchema>;
export type SandboxFeedMerchant = z.infer<typeof SandboxFeedMerchantSchema>;
export type SandboxFeedOffer = z.infer<typeof SandboxFeedOfferSchema>;
/** What callers may pass: `category_rates` and `active` have defaults. */
export type SandboxFeedInput = z.input<typeof SandboxFeedSchema>;
export type SandboxFeedOfferInput = z.input<typeof SandboxFeedOfferSchema>;

/** The feed a new sandbox starts with: two merchants, three offers, one inactive. */
export const DEFAULT_SANDBOX_FEED: SandboxFeed = {
  merchants: [
    {
      id: "sbx-shopkart",
      name: "ShopKart (sandbox)",
      landing_url: "https://shopkart.example/",
      offers: [
        {
          id: "sbx-1001",
          title: "ShopKart: 7.5% on electronics, 4% on everything else",
          currency: "INR",
          default_rate_bps: 400,
          category_rates: { electronics: 750, "gift-cards": 0 },
          return_window_days: 30,
          active: true,
        },
        {
          id: "sbx-1002",
          title: "ShopKart: festive sale (ended)",
          currency: "INR",
          default_rate_bps: 1_000,
          category_rates: {},
          return_window_days: 30,
          active: false,
        },
      ],
    },
    {
      id: "sbx-stylehub",
      name: "StyleHub (sandbox)",
      landing_url: "https://stylehub.example/sale",
      offers: [
        {
          id: "sbx-2001",
          title: "StyleHub: 10% on fashion",
          currency: "INR",
          default_rate_bps: 1_000,
          category_rates: {},
          return_window_days: 15,
          active: true,
        },
      ],
    },
  ],
};
