import { createHmac } from "node:crypto";

/**
 * Keyed hashing (HMAC-SHA256) under the deployment's secret: identifiers such as national
 * ID numbers are stored and compared without ever being stored in clear. The purpose
 * separates uses, so one hash cannot be matched against another kind of identifier.
 */
export function keyedHasher(key: string): (purpose: string, value: string) => string {
  return (purpose, value) => createHmac("sha256", key).update(`${purpose}\0${value}`).digest("hex");
}
