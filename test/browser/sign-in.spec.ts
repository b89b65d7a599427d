import {
  createOperator,
  expect,
  fillFormByKeyboard,
  runtimeInfo,
  screenshot,
  signIn,
  signOut,
  submitSignIn,
  test,
} from "./support/index";

const onPath = (path: string) => (url: URL) => url.pathname === path;

test("the first admin, created with npm run operator:create, signs in and lands on the overview", async ({
  page,
}) => {
  await page.goto("/console");
  await expect(page, "signed out, the console sends you to sign in").toHaveURL(
    onPath("/console/sign-in"),
  );
  await signIn(page, runtimeInfo().admin);
  await screenshot(page, "overview-admin");
});

test("a wrong password or an unknown e-mail gets the same message, and no session", async ({
  page,
}) => {
  const operator = await createOperator("viewer");
  await submitSignIn(page, { email: operator.email, password: `${operator.password}-wrong` });
  await expect(page.getByText("Email or password is wrong")).toBeVisible();
  await expect(page).toHaveURL(onPath("/console/sign-in"));
  await screenshot(page, "sign-in-wrong-password");

  await submitSignIn(page, { email: "nobody@browser.test", password: operator.password });
  await expect(page.getByText("Email or password is wrong")).toBeVisible();

  await page.goto("/console");
  await expect(page).toHaveURL(onPath("/console/sign-in"));
});

test("five wrong passwords in a row lock the account: even the right one is then refused", async ({
  page,
}) => {
  const operator = await createOperator("support");
  for (let attempt = 1; attempt <= 5; attempt++) {
    await submitSignIn(page, { email: operator.email, password: `wrong-${attempt}` });
    await expect(page).toHaveURL(onPath("/console/sign-in"));
  }
  await submitSignIn(page, operator);
  await expect(page.getByText(/locked/i)).toBeVisible();
  await expect(page).toHaveURL(onPath("/console/sign-in"));
  await screenshot(page, "sign-in-locked");
});

test("sign-out ends the session on the server: the old cookie no longer opens the console", async ({
  page,
  context,
  operators,
}) => {
  await signIn(page, operators.viewer);
  const cookiesWhileSignedIn = await context.cookies();

  await signOut(page);
  await page.goto("/console");
  await expect(page).toHaveURL(onPath("/console/sign-in"));

  // Replaying the session cookie must not help: sign-out revoked it, it did not just delete it.
  await context.addCookies(cookiesWhileSignedIn);
  await page.goto("/console");
  await expect(page).toHaveURL(onPath("/console/sign-in"));
});

test("signing in works with the keyboard alone", async ({ page, operators }) => {
  await page.goto("/console/sign-in");
  await fillFormByKeyboard(
    page,
    { Email: operators.catalog.email, Password: operators.catalog.password },
    "Sign in",
  );
  await expect(page).toHaveURL(onPath("/console"));
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});
