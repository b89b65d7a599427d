import { expect, test } from "vitest";
import { fillTrackingTemplate } from "./tracking-url";

const values = {
  subId: "SUB_abc-123",
  clickId: "clk_1",
  landingUrl: "https://shop.example/p?id=1&x=y",
  networkOfferRef: "off-9",
};

test.each([
  {
    label: "a template with {subid} is filled as written",
    template: "https://net.example/t?s={subid}&u={landing_url}",
    want: "https://net.example/t?s=SUB_abc-123&u=https%3A%2F%2Fshop.example%2Fp%3Fid%3D1%26x%3Dy",
  },
  {
    label: "the sub-ID parameter is appended",
    template: "https://ad.admitad.com/g/abc/?ulp={landing_url}",
    want: "https://ad.admitad.com/g/abc/?ulp=https%3A%2F%2Fshop.example%2Fp%3Fid%3D1%26x%3Dy&subid=SUB_abc-123",
  },
  {
    label: "a static value for the parameter is replaced",
    template: "https://www.anrdoezrs.net/click-1-2?sid=static&url={landing_url}",
    want: "https://www.anrdoezrs.net/click-1-2?url=https%3A%2F%2Fshop.example%2Fp%3Fid%3D1%26x%3Dy&sid=SUB_abc-123",
  },
  {
    label: "no query string yet, and a fragment is kept last",
    template: "https://goto.example/c/1/2/3#frag",
    want: "https://goto.example/c/1/2/3?subid=SUB_abc-123#frag",
  },
])("$label", ({ template, want }) => {
  const param = template.includes("anrdoezrs") ? "sid" : "subid";
  expect(fillTrackingTemplate(template, values, param)).toBe(want);
});
