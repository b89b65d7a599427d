import { describe, it } from "vitest";
import { runFormatJourney } from "./network-format-driver";

/** Issue 9 item 1: the template format through the real workers (see network-format-driver.ts). */
describe("the template network format, end to end", () => {
  it("admin API → click → postback → status updates → reconciliation recovers a lost order", async () => {
    await runFormatJourney("template");
  });
});
