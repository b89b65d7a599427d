import { expect, test } from "vitest";
import { platformOf } from "./platform";

test.each([
  {
    label: "iPhone Safari",
    ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    want: "ios",
  },
  {
    label: "iPad",
    ua: "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    want: "ios",
  },
  { label: "iPod", ua: "Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5 like Mac OS X)", want: "ios" },
  {
    label: "Chrome on iOS",
    ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/123.0 Mobile/15E148 Safari/604.1",
    want: "ios",
  },
  {
    label: "Instagram in-app browser on iOS",
    ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 320.0",
    want: "ios",
  },
  {
    label: "Android Chrome",
    ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    want: "android",
  },
  {
    label: "Android WebView (WhatsApp)",
    ua: "Mozilla/5.0 (Linux; Android 13; SM-S911B; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0 Mobile Safari/537.36",
    want: "android",
  },
  {
    label: "Android tablet",
    ua: "Mozilla/5.0 (Linux; Android 12; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    want: "android",
  },
  {
    label: "desktop Chrome",
    ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    want: "web",
  },
  {
    label: "desktop Safari (and iPad in desktop mode)",
    ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    want: "web",
  },
  {
    label: "a crawler",
    ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    want: "web",
  },
  { label: "curl", ua: "curl/8.5.0", want: "web" },
  { label: "empty", ua: "", want: "web" },
  { label: "missing", ua: null, want: "web" },
])("$label → $want", ({ ua, want }) => {
  expect(platformOf(ua)).toBe(want);
});
