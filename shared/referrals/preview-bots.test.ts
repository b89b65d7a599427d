import { describe, expect, test } from "vitest";
import { isPreviewBot } from "./preview-bots";

describe("isPreviewBot", () => {
  test.each([
    {
      label: "Slack",
      ua: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      want: true,
    },
    {
      label: "Slack's image proxy",
      ua: "Slack-ImgProxy (+https://api.slack.com/robots)",
      want: true,
    },
    {
      label: "Facebook / iMessage",
      ua: "facebookexternalhit/1.1 Facebot Twitterbot/1.0",
      want: true,
    },
    { label: "WhatsApp's fetcher", ua: "WhatsApp/2.23.20.0 A", want: true },
    { label: "X", ua: "Twitterbot/1.0", want: true },
    { label: "Telegram", ua: "TelegramBot (like TwitterBot)", want: true },
    {
      label: "Discord",
      ua: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
      want: true,
    },
    { label: "LinkedIn's fetcher", ua: "LinkedInBot/1.0 (compatible; Mozilla/5.0)", want: true },
    {
      label: "Teams",
      ua: "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
      want: true,
    },
    {
      label: "Googlebot",
      ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      want: true,
    },
    {
      label: "a person on an iPhone",
      ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      want: false,
    },
    {
      label: "a person on Android Chrome",
      ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
      want: false,
    },
    {
      label: "a person in Facebook's in-app browser",
      ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/450.0.0.38.108;FBBV/564431005]",
      want: false,
    },
    {
      label: "a person in LinkedIn's in-app browser",
      ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.8962",
      want: false,
    },
    { label: "no user agent", ua: "", want: false },
  ])("$label", ({ ua, want }) => {
    expect(isPreviewBot(ua)).toBe(want);
  });
});
