import { parseDecimalToMinor } from "../../money/decimal";
import type { ConversionStatus } from "../types";
import { type FieldError, quoted } from "./normalize";

/**
 * Collects every problem with a postback or report record instead of stopping at the first,
 * so an operator fixing a network's configuration sees all of them at once. Each reader
 * returns a placeholder on error; the caller checks `errors` before using the values.
 *
 * @example
 * const f = new FieldCollector();
 * const orderId = f.text(params.get("order_id"), "order_id");
 * const saleMinor = f.amount(params.get("order_sum"), currency, "order_sum");
 * if (f.errors.length > 0) return { ok: false, kind: "malformed", reason: "invalid postback", fields: f.errors };
 */
export class FieldCollector {
  readonly errors: FieldError[] = [];

  /** A required, non-empty text value. */
  text(value: string | null, path: string): string {
    if (value === null || value.trim().length === 0) {
      this.errors.push({ path, message: "is required" });
      return "";
    }
    return value.trim();
  }

  /** A 3-letter currency code (upper-cased), required. */
  currency(value: string | null, path: string): string {
    const code = (value ?? "").trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) {
      this.errors.push({
        path,
        message: value === null ? "is required" : "must be a 3-letter ISO 4217 code",
      });
      return "XXX";
    }
    return code;
  }

  /** A non-negative decimal amount in major units, converted to minor units of `currency`. */
  amount(value: unknown, currency: string, path: string): number {
    if (value === null || value === undefined) {
      this.errors.push({ path, message: "is required" });
      return 0;
    }
    const parsed = parseDecimalToMinor(value, currency);
    if (!parsed.ok) {
      this.errors.push({ path, message: parsed.message });
      return 0;
    }
    return parsed.amountMinor;
  }

  /** An amount already in minor units: a whole number, as a JSON number or digit string. */
  minorAmount(value: unknown, path: string): number {
    const number =
      typeof value === "number"
        ? value
        : typeof value === "string" && /^\d{1,16}$/.test(value.trim())
          ? Number(value.trim())
          : Number.NaN;
    if (!Number.isSafeInteger(number) || number < 0) {
      this.errors.push({
        path,
        message:
          value === null || value === undefined
            ? "is required"
            : "must be a whole number of minor units",
      });
      return 0;
    }
    return number;
  }

  /** A status the adapter mapped (null when the network's value is unknown). */
  status(mapped: ConversionStatus | null, raw: string | null, path: string): ConversionStatus {
    if (mapped !== null) return mapped;
    this.errors.push({
      path,
      message: raw === null || raw.trim() === "" ? "is required" : `unknown status ${quoted(raw)}`,
    });
    return "pending";
  }

  /** A time the adapter parsed (null when missing or unparseable). */
  time(ms: number | null, raw: unknown, path: string): number {
    if (ms !== null) return ms;
    this.errors.push({
      path,
      message:
        raw === null || raw === undefined || raw === ""
          ? "is required"
          : `unreadable time ${quoted(raw)}`,
    });
    return 0;
  }
}
