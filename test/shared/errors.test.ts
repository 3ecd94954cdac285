// What clients see of errors: coded ones as they are, validation failures as one
// BAD_USER_INPUT naming each field, anything else masked (and reported to the log).
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { conflict, formatError } from "../../subgraphs/kernel/errors.js";

describe("formatError", () => {
  it("passes coded errors through without stack traces", () => {
    const err = conflict("phone: already registered", { existingId: "KZ-75:vol:1" });
    const out = formatError(
      { message: err.message, extensions: { ...err.extensions, stacktrace: ["at x"] }, path: ["registerVolunteer"] },
      err,
    );
    expect(out).toEqual({
      message: "phone: already registered",
      path: ["registerVolunteer"],
      locations: undefined,
      extensions: { code: "CONFLICT", existingId: "KZ-75:vol:1" },
    });
  });

  it("masks unexpected errors and reports them", () => {
    const reported: unknown[] = [];
    const boom = new Error("connection string mongodb://user:secret@db leaked");
    const out = formatError(
      { message: boom.message, extensions: { code: "INTERNAL_SERVER_ERROR" } },
      new GraphQLError(boom.message, { originalError: boom }),
      (e) => reported.push(e),
    );
    expect(out.message).toBe("internal error");
    expect(JSON.stringify(out)).not.toContain("secret");
    expect(reported).toEqual([boom]);
  });

  it("turns class-validator failures into one BAD_USER_INPUT naming each field", () => {
    const validation = new GraphQLError("Argument Validation Error", {
      extensions: {
        code: "BAD_USER_INPUT",
        validationErrors: [
          { property: "householdSize", constraints: { min: "householdSize must be at least 1" } },
          {
            property: "items",
            children: [{ property: "0", children: [{ property: "quantity", constraints: { min: "quantity must be at least 1" } }] }],
          },
        ],
      },
    });
    const out = formatError({ message: validation.message, extensions: validation.extensions }, validation);
    expect(out.extensions).toEqual({ code: "BAD_USER_INPUT" });
    expect(out.message).toBe("invalid input: householdSize: must be at least 1; items.0.quantity: must be at least 1");
  });
});
