import { expect, test } from "vitest";
import { adapterFor, isNetworkFormat, NETWORK_FORMATS } from "./registry";

test.each(NETWORK_FORMATS)("%s resolves to the adapter with that format", (format) => {
  expect(adapterFor(format)?.format).toBe(format);
  expect(isNetworkFormat(format)).toBe(true);
});

test.each(["", "GENERIC", "unknown", "__proto__", "constructor", "toString", "hasOwnProperty"])(
  "%j is not a format",
  (format) => {
    expect(adapterFor(format)).toBeNull();
    expect(isNetworkFormat(format)).toBe(false);
  },
);
