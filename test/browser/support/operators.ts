import { randomBytes } from "node:crypto";
import { runtimeInfo } from "./runtime-info";

/** The console's roles (docs/access.md); the admin API keys carry the same ones. */
export const ROLES = ["admin", "catalog", "support", "finance", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Operator {
  email: string;
  displayName: string;
  role: Role;
  password: string;
}

/**
 * Creates an operator through the admin API (`POST /admin/v1/operators` with the runtime's
 * admin key), with a unique e-mail and a random password, and returns its credentials.
 *
 * @example
 * const viewer = await createOperator("viewer");
 * await signIn(page, viewer);
 */
export async function createOperator(
  role: Role,
  overrides: Partial<Omit<Operator, "role">> = {},
): Promise<Operator> {
  const { baseUrl, adminKey } = runtimeInfo();
  const unique = randomBytes(4).toString("hex");
  const operator: Operator = {
    email: `${role}-${unique}@browser.test`,
    displayName: `Browser ${role} ${unique}`,
    role,
    password: `Pw-${randomBytes(12).toString("base64url")}`,
    ...overrides,
  };
  const response = await fetch(`${baseUrl}/admin/v1/operators`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(operator),
  });
  if (response.status !== 201) {
    throw new Error(`creating a ${role} operator: ${response.status} ${await response.text()}`);
  }
  return operator;
}
