import { describe, expect, it } from "vitest";
import { signedIn } from "./console-client";

/**
 * The console's User databases page through the real worker (which binds two user databases
 * at USER_DB_SHARDS 1): an admin opens a move 1 → 2 from the form, sees it with its next step
 * and the buttons for it, and cancels it (no slice runs here: a copy would write into the
 * shared second database other files read); a viewer sees the move and no button.
 */
describe("console user databases", () => {
  it("opens a move, shows its next step, cancels it; a viewer only reads", async () => {
    const { client } = await signedIn("admin");
    const empty = await client.get("/console/user-db-moves");
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain("Open move");

    const opened = await client.post(
      "/console/user-db-moves",
      { toShards: "2" },
      { fromPage: "/console/user-db-moves" },
    );
    expect(opened.status, await opened.clone().text()).toBe(303);
    const notice = decodeURIComponent(opened.headers.get("location") ?? "");
    const id = /Move (udm_[a-z0-9_-]+) opened: next copy\./.exec(notice)?.[1];
    expect(id, notice).toBeDefined();

    const page = await (await client.get("/console/user-db-moves")).text();
    expect(page).toContain(id);
    expect(page).toContain(`action="/console/user-db-moves/${id}/steps"`);
    expect(page).toContain(`action="/console/user-db-moves/${id}/cancel"`);
    // One move open at a time: no form to open another.
    expect(page).not.toContain("Open move");

    const { client: viewer } = await signedIn("viewer");
    const seen = await (await viewer.get("/console/user-db-moves")).text();
    expect(seen).toContain(id);
    expect(seen).not.toContain(`action="/console/user-db-moves/${id}/steps"`);
    expect(seen).not.toContain(`action="/console/user-db-moves/${id}/cancel"`);

    const cancelled = await client.post(
      `/console/user-db-moves/${id}/cancel`,
      {},
      { fromPage: "/console/user-db-moves" },
    );
    expect(cancelled.status).toBe(303);
    const after = await (await client.get("/console/user-db-moves")).text();
    expect(after).toContain("Cancelled before its flip");
    expect(after).not.toContain(`action="/console/user-db-moves/${id}/cancel"`);
    expect(after).toContain("Open move");
  });
});
