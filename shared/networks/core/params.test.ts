import { describe, expect, test } from "vitest";
import { getRequest, postRequest } from "../testing/fixtures";
import { headerOf, readParams } from "./params";

describe("readParams", () => {
  test("reads query parameters case-insensitively when asked", () => {
    const read = readParams(getRequest("SubId1=abc&Payout=1.00"), {
      caseInsensitive: true,
      includeForm: false,
    });
    expect(read.ok && read.params.get("subid1")).toBe("abc");
    expect(read.ok && read.params.first("missing", "PAYOUT")).toBe("1.00");
  });

  test("reads a form body with the query", () => {
    const request = postRequest("order_id=A1&subid=s", {
      "content-type": "application/x-www-form-urlencoded",
    });
    const read = readParams(
      { ...request, url: `${request.url}?token=t` },
      { caseInsensitive: false, includeForm: true },
    );
    expect(read.ok && [read.params.get("order_id"), read.params.get("token")]).toEqual(["A1", "t"]);
  });

  test("ignores a body that is not a form", () => {
    const read = readParams(postRequest("order_id=A1", { "content-type": "application/json" }), {
      caseInsensitive: false,
      includeForm: true,
    });
    expect(read.ok && read.params.get("order_id")).toBeNull();
  });

  test.each([
    { label: "same name, different values", qs: "token=a&token=b" },
    { label: "names differing only in case", qs: "SubId1=a&subid1=b" },
    {
      label: "too many parameters",
      qs: Array.from({ length: 101 }, (_, i) => `p${i}=1`).join("&"),
    },
    { label: "a value that is too long", qs: `v=${"x".repeat(2_049)}` },
  ])("refuses $label", ({ qs }) => {
    expect(readParams(getRequest(qs), { caseInsensitive: true, includeForm: false }).ok).toBe(
      false,
    );
  });

  test("a repeated identical value is fine", () => {
    expect(
      readParams(getRequest("a=1&a=1"), { caseInsensitive: true, includeForm: false }).ok,
    ).toBe(true);
  });

  test("prototype names are ordinary names", () => {
    const read = readParams(getRequest("__proto__=x&constructor=y"), {
      caseInsensitive: true,
      includeForm: false,
    });
    expect(
      read.ok && [
        read.params.get("__proto__"),
        read.params.get("constructor"),
        read.params.get("toString"),
      ],
    ).toEqual(["x", "y", null]);
  });

  test("an unparseable URL is refused", () => {
    expect(
      readParams(
        { ...getRequest(""), url: "not a url" },
        { caseInsensitive: true, includeForm: false },
      ).ok,
    ).toBe(false);
  });
});

test("headerOf reads own string headers only", () => {
  const request = postRequest(
    "",
    JSON.parse('{"x-sig":"abc","__proto__":"p"}') as Record<string, string>,
  );
  expect(headerOf(request, "x-sig")).toBe("abc");
  expect(headerOf(request, "constructor")).toBeNull();
  expect(headerOf(request, "toString")).toBeNull();
});
