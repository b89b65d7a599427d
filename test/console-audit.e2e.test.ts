import { beforeAll, describe, expect, it } from "vitest";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, api, seedCatalog } from "./helpers";

beforeAll(async () => {
  await seedCatalog();
});

/**
 * The audit log in the console through the real worker: filtered by actor, path prefix and
 * time, paged, each entry's before/after shown as escaped JSON, exported as CSV (with
 * formula-looking cells defused).
 */

/** Writes a merchant of the seeded network under `name`; the status. */
async function adminWrite(path: string, body: { name: string }) {
  const response = await api(path, {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ networkId: "test-net", landingUrl: "https://shop.example/", ...body }),
  });
  return response.status;
}

describe("console audit log", () => {
  it("filters by path prefix and actor, shows before/after escaped, and pages", async () => {
    const stamp = Date.now().toString(36);
    const merchant = `audit-m-${stamp}`;
    for (const name of ["=First <i>name</i>", "Second name", "Third name"]) {
      expect(await adminWrite(`/admin/v1/merchants/${merchant}`, { name })).toBeLessThan(300);
    }
    const { client } = await signedIn("viewer");
    const prefix = encodeURIComponent(`/admin/v1/merchants/${merchant}`);
    const page = await client.get(`/console/audit?pathPrefix=${prefix}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.match(/<details>/g)?.length).toBe(3);
    expect(html).toContain(`PUT /admin/v1/merchants/${merchant}`);
    expect(html).toContain("&lt;i&gt;name&lt;/i&gt;");
    expect(html).not.toContain("<i>name</i>");

    const byActor = await client.get(`/console/audit?pathPrefix=${prefix}&actor=nobody-at-all`);
    expect(await byActor.text()).toContain("No audit entries match these filters.");
    const future = await client.get(`/console/audit?pathPrefix=${prefix}&since=2999-01-01`);
    expect(await future.text()).toContain("No audit entries match these filters.");

    // Paging: the API's cursor becomes a "Next page" link that keeps the filters.
    const firstPage = await api(`/admin/v1/audit-log?pathPrefix=${prefix}&limit=2`, {
      headers: ADMIN_HEADERS,
    });
    const { nextCursor } = (await firstPage.json()) as { nextCursor: string | null };
    expect(nextCursor).not.toBeNull();
    const next = await client.get(
      `/console/audit?pathPrefix=${prefix}&cursor=${encodeURIComponent(nextCursor ?? "")}`,
    );
    expect(next.status).toBe(200);

    const bad = await client.get("/console/audit?pathPrefix=/not-admin");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('role="alert"');
  });

  it("exports the filtered log as CSV, JSON cells quoted", async () => {
    const merchant = `audit-csv-${Date.now().toString(36)}`;
    expect(
      await adminWrite(`/admin/v1/merchants/${merchant}`, { name: "=cmd|' /C calc'!A0" }),
    ).toBeLessThan(300);
    const { client } = await signedIn("viewer");
    const prefix = encodeURIComponent(`/admin/v1/merchants/${merchant}`);
    const response = await client.get(`/console/audit/export.csv?pathPrefix=${prefix}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(
      'attachment; filename="audit-log.csv"',
    );
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "id,at,actor,scope,method,path,operation_id,status,problem,before,after,request_id",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,PUT,/admin/v1/merchants/${merchant},`);
    // The after JSON holds the name; the JSON cell starts with "{", so it is quoted, not prefixed.
    expect(lines[1]).toContain('""name"":""=cmd|');
  });
});
