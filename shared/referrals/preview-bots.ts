/**
 * Pure: whether a share link's visitor is a link-preview bot or a crawler rather than a person
 * (docs/referrals.md, "The share link"). Pasting `/r/CODE` into Slack, WhatsApp, iMessage, X…
 * makes their servers fetch it to draw a preview; such a fetch is no click (it would count in
 * the funnel and could win a probabilistic match for the chat server's address), so it gets
 * the invite page and nothing is recorded.
 *
 * Matched by product tokens that only the fetchers send. In-app browsers are people and are not
 * matched: Facebook's sends `FBAN`/`FB_IAB`, LinkedIn's `LinkedInApp`, never
 * `facebookexternalhit` or `LinkedInBot`.
 */

/** Lower-case product tokens of preview fetchers and crawlers. */
export const PREVIEW_BOT_TOKENS = [
  "slackbot", // Slackbot-LinkExpanding, Slackbot 1.0
  "slack-imgproxy",
  "facebookexternalhit", // Facebook, Messenger, Instagram; iMessage sends it too
  "facebot",
  "whatsapp", // WhatsApp/2.23… is the preview fetcher; links open in the system browser
  "twitterbot",
  "telegrambot",
  "discordbot",
  "linkedinbot",
  "skypeuripreview",
  "microsoftpreview", // Teams, Outlook
  "pinterestbot",
  "redditbot",
  "snapchat", // its preview fetcher; the app opens links in a web view without it
  "viber",
  "line-poker", // LINE's preview fetcher
  "embedly",
  "iframely",
  "bingpreview",
  "googlebot",
  "bingbot",
  "applebot",
  "google-inspectiontool",
  "yandexbot",
  "duckduckbot",
  "mastodon", // Mastodon servers fetch link cards
  "bluesky", // Bluesky's cardyb
] as const;

/**
 * @example
 * isPreviewBot("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)") // true
 * isPreviewBot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) … Safari/604.1") // false
 */
export function isPreviewBot(userAgent: string): boolean {
  const ua = userAgent.toLowerCase();
  return PREVIEW_BOT_TOKENS.some((token) => ua.includes(token));
}
