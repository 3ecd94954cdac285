// What the inputs of creates share: a key that makes a retry safe, and for what may be
// captured offline, the time it was captured (see idempotency.ts and capture.ts).
import { Field, InputType } from "type-graphql";
import { CAPTURE_SKEW_MS } from "./capture.js";
import { IDEMPOTENCY_DAYS } from "./idempotency.js";

const KEY_DESCRIPTION =
  `Makes a retry safe: a repeat with the same key and input returns the record the first made, ` +
  `without a second write; the same key with another input is CONFLICT. Unique per region and mutation, ` +
  `kept ${IDEMPOTENCY_DAYS} days.`;

/** The input of a create that may be retried: an optional idempotency key. */
@InputType()
export abstract class CreateInput {
  @Field({ nullable: true, description: KEY_DESCRIPTION })
  idempotencyKey?: string;
}

export const CAPTURED_AT_ARGUMENT =
  "When the person recorded it (on a device, maybe offline); stored beside the server's time. " +
  `At most ${CAPTURE_SKEW_MS / 60_000} minutes ahead of the server's clock, and not before the region existed.`;

/** The input of a create that may be captured offline and synced later. */
@InputType()
export abstract class CapturedCreateInput extends CreateInput {
  @Field({ nullable: true, description: CAPTURED_AT_ARGUMENT })
  capturedAt?: Date;
}
