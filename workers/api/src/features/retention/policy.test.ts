import { describe, expect, test } from "vitest";
import { DEFAULT_POSTBACK_RETENTION, postbackRetentionOf } from "./policy";

describe("postbackRetentionOf", () => {
  test.each([
    { label: "nothing set: the defaults", vars: {}, want: DEFAULT_POSTBACK_RETENTION },
    {
      label: "every var set",
      vars: {
        POSTBACK_REJECTED_RETENTION_DAYS: "3",
        POSTBACK_RETENTION_DAYS: "730",
        POSTBACK_ARCHIVE_AFTER_DAYS: "14",
        POSTBACK_REJECTED_PER_SOURCE_HOUR: "20",
      },
      want: {
        rejectedKeepDays: 3,
        acceptedKeepDays: 730,
        archiveAfterDays: 14,
        rejectedPerSourcePerHour: 20,
      },
    },
    {
      label: "zero, negative, fractional or words fall back to the default",
      vars: {
        POSTBACK_REJECTED_RETENTION_DAYS: "0",
        POSTBACK_RETENTION_DAYS: "-1",
        POSTBACK_ARCHIVE_AFTER_DAYS: "1.5",
        POSTBACK_REJECTED_PER_SOURCE_HOUR: "many",
      },
      want: DEFAULT_POSTBACK_RETENTION,
    },
    {
      label: "the archive age never exceeds the audit period",
      vars: { POSTBACK_RETENTION_DAYS: "10", POSTBACK_ARCHIVE_AFTER_DAYS: "30" },
      want: { ...DEFAULT_POSTBACK_RETENTION, acceptedKeepDays: 10, archiveAfterDays: 10 },
    },
  ])("$label", ({ vars, want }) => {
    expect(postbackRetentionOf(vars)).toEqual(want);
  });
});
