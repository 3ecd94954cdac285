// MongoDB wire protocol framing: the message header, OP_QUERY (only for the legacy
// handshake), OP_MSG with kind-0 and kind-1 sections, and the two reply shapes.
import { deserialize, serialize, type Document } from "bson";

export const OpCode = { OP_REPLY: 1, OP_QUERY: 2004, OP_COMPRESSED: 2012, OP_MSG: 2013 } as const;

const HEADER_SIZE = 16;
/** Bits of OP_MSG flagBits. */
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
const EXHAUST_ALLOWED = 1 << 16;
const KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME | EXHAUST_ALLOWED;

export const MAX_MESSAGE_SIZE = 48_000_000;

export class ProtocolError extends Error {}

export interface Command {
  requestId: number;
  opCode: number;
  /** Command document with kind-1 sequences merged in under their identifiers. */
  body: Document;
  /** For OP_QUERY: the database taken from `<db>.$cmd`. */
  database?: string;
  /** The client does not want a reply (unacknowledged write). */
  moreToCome: boolean;
}

/** Returns `length` when it is a possible message length; throws ProtocolError otherwise. */
export function checkMessageLength(length: number): number {
  if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
    throw new ProtocolError(`invalid message length ${length}`);
  }
  return length;
}

/** Reads a NUL-terminated string that must end before `limit` (the end of its section or message). */
function readCString(buf: Buffer, offset: number, limit: number, what: string): [string, number] {
  // Searching only up to `limit` also keeps many small sections from each scanning the rest of the message.
  const end = offset < limit ? buf.subarray(offset, limit).indexOf(0) : -1;
  if (end < 0) throw new ProtocolError(`${what} is not NUL-terminated within its bounds`);
  return [buf.toString("utf8", offset, offset + end), offset + end + 1];
}

function readDocument(buf: Buffer, offset: number, limit: number): [Document, number] {
  if (offset + 5 > limit) throw new ProtocolError("truncated BSON document");
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > limit) throw new ProtocolError(`invalid BSON document size ${size}`);
  try {
    return [deserialize(buf.subarray(offset, offset + size)), offset + size];
  } catch (err) {
    throw new ProtocolError(`invalid BSON: ${(err as Error).message}`);
  }
}

/** Parses one complete message (exactly the length its header announces). */
export function parseMessage(msg: Buffer): Command {
  if (msg.length < HEADER_SIZE) throw new ProtocolError(`message shorter than its header: ${msg.length} bytes`);
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OpCode.OP_MSG) return parseOpMsg(msg, requestId);
  if (opCode === OpCode.OP_QUERY) return parseOpQuery(msg, requestId);
  throw new ProtocolError(`unsupported opcode ${opCode}`);
}

function parseOpMsg(msg: Buffer, requestId: number): Command {
  if (msg.length < HEADER_SIZE + 4) throw new ProtocolError("OP_MSG without flag bits");
  const flags = msg.readUInt32LE(HEADER_SIZE);
  if (flags & ~KNOWN_FLAGS & 0xffff) throw new ProtocolError(`unknown required OP_MSG flag bits ${flags}`);
  const end = flags & CHECKSUM_PRESENT ? msg.length - 4 : msg.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = msg.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError("OP_MSG has more than one body section");
      [body, offset] = readDocument(msg, offset, end);
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError("truncated document sequence");
      const size = msg.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end) throw new ProtocolError(`invalid document sequence size ${size}`);
      let identifier: string;
      [identifier, offset] = readCString(msg, offset + 4, sectionEnd, "document sequence identifier");
      const docs: Document[] = [];
      while (offset < sectionEnd) {
        let doc: Document;
        [doc, offset] = readDocument(msg, offset, sectionEnd);
        docs.push(doc);
      }
      sequences.push([identifier, docs]);
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError("OP_MSG without a body section");
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  return { requestId, opCode: OpCode.OP_MSG, body, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

function parseOpQuery(msg: Buffer, requestId: number): Command {
  const [collection, afterName] = readCString(msg, HEADER_SIZE + 4, msg.length, "OP_QUERY collection name"); // after flags
  const [query] = readDocument(msg, afterName + 8, msg.length); // after numberToSkip, numberToReturn
  if (!collection.endsWith(".$cmd")) {
    throw new ProtocolError(`OP_QUERY is only accepted for commands, not on ${collection}`);
  }
  // Legacy drivers wrap the command as { $query: {...}, $readPreference }.
  const body = (query.$query && typeof query.$query === "object" ? query.$query : query) as Document;
  return {
    requestId,
    opCode: OpCode.OP_QUERY,
    body,
    database: collection.slice(0, -".$cmd".length),
    moreToCome: false,
  };
}

let nextRequestId = 1;

/**
 * A whole message: the header, `prefix` (what the opcode puts before the document), the
 * document, written into one buffer of the right size (no pieces to concatenate after).
 */
function encodeMessage(responseTo: number, opCode: number, prefix: Buffer, doc: Document): Buffer {
  const body = serialize(doc);
  const length = HEADER_SIZE + prefix.length + body.length;
  const message = Buffer.allocUnsafe(length);
  message.writeInt32LE(length, 0);
  message.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  message.writeInt32LE(responseTo, 8);
  message.writeInt32LE(opCode, 12);
  message.set(body, HEADER_SIZE + prefix.copy(message, HEADER_SIZE));
  return message;
}

/** flagBits 0, then a kind-0 section. */
const OP_MSG_PREFIX = Buffer.alloc(5);
/** responseFlags 0, cursorID 0 (int64), startingFrom 0, numberReturned 1. */
const OP_REPLY_PREFIX = Buffer.alloc(20);
OP_REPLY_PREFIX.writeInt32LE(1, 16);

export function encodeOpMsg(responseTo: number, doc: Document): Buffer {
  return encodeMessage(responseTo, OpCode.OP_MSG, OP_MSG_PREFIX, doc);
}

export function encodeOpReply(responseTo: number, doc: Document): Buffer {
  return encodeMessage(responseTo, OpCode.OP_REPLY, OP_REPLY_PREFIX, doc);
}
