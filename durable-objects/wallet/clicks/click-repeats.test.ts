import { expect, test } from "vitest";
import { isRepeat } from "./click-repeats";

test.each([
  { label: "another request: a repeat", stored: "req_a", hit: "req_b", want: true },
  { label: "the same request: a redelivery", stored: "req_a", hit: "req_a", want: false },
  { label: "a click stored before dedupe: not counted", stored: null, hit: "req_b", want: false },
  { label: "a message without a request id: not counted", stored: "req_a", hit: null, want: false },
])("isRepeat: $label", ({ stored, hit, want }) => {
  expect(isRepeat(stored, hit)).toBe(want);
});
