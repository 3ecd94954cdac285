// Where the console shows a mutation's error: next to the field the graph's message is about.
import { describe, expect, it } from "vitest";
import { fieldOf } from "../../console/src/graph.js";

describe("fieldOf", () => {
  const fields = ["startsAt", "endsAt", "capacity", "contactPhone"];
  it("takes the argument a message starts with, even when it names another field later", () => {
    expect(fieldOf({ message: "input.endsAt: must be after startsAt" }, fields)).toBe("endsAt");
    expect(fieldOf({ message: "contactPhone: not a valid phone number" }, fields)).toBe("contactPhone");
  });
  it("else the field named in the message, and none when no field is named", () => {
    expect(fieldOf({ message: "event is full: capacity 40 reached" }, fields)).toBe("capacity");
    expect(fieldOf({ message: "help request KZ-75:hr:1 not found" }, fields)).toBeUndefined();
    // A word that merely contains a field's name is not that field.
    expect(fieldOf({ message: "startsAtLeast is unknown" }, fields)).toBeUndefined();
  });
});
