import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { readDevVars } from "./lib/dev-vars";

/**
 * `npm run -s operator:create -- --email <e> --name <n> [--role admin] [--url <api origin>]`:
 * creates a console operator through the admin API (POST /admin/v1/operators), which is how
 * the first admin comes to exist. The admin key is ADMIN_API_KEY from the environment, else
 * from .dev.vars; the password is OPERATOR_PASSWORD from the environment, else asked for.
 * Against a deployment: `--url https://api.example.com` with ADMIN_API_KEY exported.
 */
const { values } = parseArgs({
  options: {
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string", default: "admin" },
    url: { type: "string", default: "http://localhost:8787" },
    "time-zone": { type: "string", default: "UTC" },
  },
});
if (!values.email || !values.name) {
  console.error(
    "usage: npm run -s operator:create -- --email <email> --name <display name> [--role admin|catalog|support|finance|viewer] [--url http://localhost:8787] [--time-zone UTC]",
  );
  process.exit(2);
}
const adminKey = process.env.ADMIN_API_KEY ?? readDevVars().ADMIN_API_KEY;
const password = process.env.OPERATOR_PASSWORD ?? (await askPassword());

const response = await fetch(new URL("/admin/v1/operators", values.url), {
  method: "POST",
  headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
  body: JSON.stringify({
    email: values.email,
    displayName: values.name,
    role: values.role,
    password,
    timeZone: values["time-zone"],
  }),
});
const body = (await response.json()) as Record<string, unknown>;
if (response.status !== 201) {
  console.error(`not created (${response.status}): ${String(body.detail ?? "")}`);
  for (const e of (body.errors as { path: string; message: string }[] | undefined) ?? []) {
    console.error(`  ${e.path}: ${e.message}`);
  }
  process.exit(1);
}
console.log(
  `operator ${String(body.email)} (${String(body.role)}) created; sign in at ${new URL("/console/sign-in", values.url)}`,
);

/** Asks for the password without echoing it. */
async function askPassword(): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stdout.write("Password (at least 12 characters): ");
  muted = true;
  const answer = await rl.question("");
  muted = false;
  rl.close();
  process.stdout.write("\n");
  return answer;
}
