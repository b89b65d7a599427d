import { type Context, Hono } from "hono";

/**
 * Benchmark only. The floor for the redirect worker: a Hono route on the same kind of path
 * that does nothing but answer 302 to a fixed URL. `npm run bench` compares the two.
 * Also a bare POST route, the floor for the postback intake.
 */
const LOCATION =
  "https://network.example/click?offer=sk-1001&subid=bench&url=https%3A%2F%2Fshopkart.example%2F";

const app = new Hono();
app.get("/bare/:token", (c) => c.redirect(LOCATION, 302));
/**
 * The floor for the postback intake (`npm run bench:pipeline`): reads the body, answers 202.
 * `npm run bench:intake` runs it beside the postback worker, whose runtime routes
 * `/postback/*` to that worker, so it reaches this one under `/bare/postback/…`.
 */
const barePostback = async (c: Context) => {
  await c.req.text();
  return c.json({ accepted: true }, 202);
};
app.post("/postback/:networkId", barePostback);
app.post("/bare/postback/:networkId", barePostback);

export default app;
