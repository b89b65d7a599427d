import { describe, expect, it } from "vitest";
import {
  LABELS_CSV_COLUMNS,
  type LabelledHoldRow,
  labelsCsvHeader,
  labelsCsvLine,
} from "./csv-rows";

const row: LabelledHoldRow = {
  userId: "u1",
  holdId: "rule:ring:obs-1:payouts",
  kind: "payouts",
  source: "rule",
  ruleId: "ring",
  ruleVersion: 2,
  reasonCodes: " shared_device click_iframe ",
  placedAtMs: 0,
  endedAtMs: 60_000,
  decidedBy: "ops@example.com",
  label: "fraud",
  decisionSignalsJson: JSON.stringify({
    score: 70,
    reasons: [{ code: "shared_device", score: 70, detail: "3 accounts, one device" }],
  }),
};

describe("labels CSV", () => {
  it("has the columns the seam names, in order", () => {
    expect(labelsCsvHeader()).toBe(`${LABELS_CSV_COLUMNS.join(",")}\r\n`);
    expect(LABELS_CSV_COLUMNS).toHaveLength(13);
  });

  it.each([
    {
      name: "signals kept at decision",
      row,
      line:
        "u1,rule:ring:obs-1:payouts,payouts,rule,ring,2,shared_device click_iframe," +
        "1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,ops@example.com,fraud,70," +
        '"[{""code"":""shared_device"",""score"":70,""detail"":""3 accounts, one device""}]"\r\n',
    },
    {
      name: "no signals, no rule (empty cells)",
      row: {
        ...row,
        ruleId: null,
        ruleVersion: null,
        source: "risk_unavailable",
        reasonCodes: " risk_unavailable ",
        decidedBy: null,
        label: "unsure",
        decisionSignalsJson: null,
      },
      line:
        "u1,rule:ring:obs-1:payouts,payouts,risk_unavailable,,,risk_unavailable," +
        "1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,,unsure,,\r\n",
    },
    {
      name: "a formula-looking operator name is defused",
      row: { ...row, decidedBy: "=cmd()", decisionSignalsJson: "not json" },
      line:
        "u1,rule:ring:obs-1:payouts,payouts,rule,ring,2,shared_device click_iframe," +
        "1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,'=cmd(),fraud,,\r\n",
    },
  ])("$name", ({ row: r, line }) => {
    expect(labelsCsvLine(r)).toBe(line);
  });
});
