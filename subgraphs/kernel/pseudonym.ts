import { createHmac } from "node:crypto";

/**
 * Keyed hashing (HMAC-SHA256) under the deployment's secret: identifiers such as national
 * ID numbers are stored and compared without ever being stored in clear. The purpose
 * separates uses, so one hash cannot be matched against another kind of identifier.
 */
export function keyedHasher(key: string): (purpose: string, value: string) => string {
  return (purpose, value) => createHmac("sha256", key).update(`${purpose}\0${value}`).digest("hex");
}

/**
 * The national match token of a (normalised) national ID: a keyed hash under the national
 * key every region shares, so that regions can tell the same household apart without the ID
 * (or a region's own stored hash of it) ever leaving a region.
 */
export function matchTokener(nationalKey: string): (nationalId: string) => string {
  const hash = keyedHasher(nationalKey);
  return (nationalId) => hash("national-match", nationalId);
}

/** What a match token looks like: the token compared is never anything else. */
export const MATCH_TOKEN = /^[0-9a-f]{64}$/;
