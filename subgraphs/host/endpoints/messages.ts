// `POST /<REGION>/<subgraph>/messages`: a signed message from another region's service. No
// user token: the signature is the credential, and the reply is signed for that very message.
import type http from "node:http";
import { GraphQLError } from "graphql";
import { readTextBody, sendError, sendJson } from "../../kernel/http.js";
import type { Logger } from "../../kernel/log.js";
import { LinkError, type MessageContext } from "../../kernel/messaging.js";
import type { SubgraphDefinition } from "../../kernel/subgraph.js";
import type { RegionLink } from "../link.js";

/** `table[key]` only when the table itself defines it: a message type like "constructor" is no handler. */
export const ownEntry = <T>(table: Record<string, T> | undefined, key: string): T | undefined =>
  table && Object.hasOwn(table, key) ? table[key] : undefined;

export async function serveMessage(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  context: MessageContext,
  sub: SubgraphDefinition,
  link: RegionLink,
  log: Logger,
  maxBody: number,
): Promise<void> {
  if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "messages are POSTed");
  const read = await readTextBody(req, res, maxBody);
  if (!read) return;
  const code = context.region.code;
  try {
    const message = await link.verify(read.text ?? "", code, sub.name);
    const handle = ownEntry(sub.messages?.receive, message.type);
    if (!handle) return sendError(res, 400, "BAD_REQUEST", `${sub.name} does not handle ${message.type} messages`);
    const reply = await handle(message.body, { ...context, from: message.from, message: { id: message.id, digest: message.digest } });
    log.info(
      { event: "message.received", region: code, from: message.from, type: message.type, message: message.id },
      "message from another region",
    );
    // Signed by this region for this very message: the sender trusts nothing else.
    return sendJson(res, 200, { reply: await link.signReply(message, reply) });
  } catch (err) {
    // A malformed id in a signed message is the sender's bug: refused, not a crash.
    if (err instanceof GraphQLError && err.extensions.code === "BAD_USER_INPUT") return sendError(res, 400, "BAD_REQUEST", err.message);
    if (!(err instanceof LinkError)) throw err;
    log.warn({ region: code, subgraph: sub.name, status: err.status, reason: err.message }, "message refused");
    return sendError(res, err.status, err.code, err.message);
  }
}
