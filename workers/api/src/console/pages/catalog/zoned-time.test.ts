import { describe, expect, test } from "vitest";
import { isoToZonedLocal, zonedLocalToIso } from "./zoned-time";

describe("zonedLocalToIso", () => {
  test.each([
    { label: "UTC", local: "2026-12-05T14:03", zone: "UTC", iso: "2026-12-05T14:03:00.000Z" },
    {
      label: "Berlin in winter",
      local: "2026-12-05T14:03",
      zone: "Europe/Berlin",
      iso: "2026-12-05T13:03:00.000Z",
    },
    {
      label: "Berlin in summer",
      local: "2026-07-01T14:00",
      zone: "Europe/Berlin",
      iso: "2026-07-01T12:00:00.000Z",
    },
    {
      label: "Kolkata (half-hour offset)",
      local: "2026-12-06T00:00",
      zone: "Asia/Kolkata",
      iso: "2026-12-05T18:30:00.000Z",
    },
    {
      label: "an unknown zone is UTC",
      local: "2026-12-05T14:03",
      zone: "Mars/Base",
      iso: "2026-12-05T14:03:00.000Z",
    },
  ])("$label", ({ local, zone, iso }) => {
    expect(zonedLocalToIso(local, zone)).toBe(iso);
    expect(isoToZonedLocal(iso, zone)).toBe(local);
  });

  test("empty is null, garbage is undefined", () => {
    expect(zonedLocalToIso("", "UTC")).toBeNull();
    expect(zonedLocalToIso("tomorrow", "UTC")).toBeUndefined();
  });
});
