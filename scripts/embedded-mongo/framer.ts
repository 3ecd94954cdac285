// Turns a connection's byte stream into whole wire messages in linear time: a slow client
// dripping a 40 MB frame in small reads must not cost one re-concatenation of everything
// buffered so far per read. The buffer grows by doubling up to the announced length, so
// each byte is copied at most about twice, and 4 bytes announcing 48 MB reserve 64 KiB,
// not 48 MB.
import { checkMessageLength } from "./wire.js";

const INITIAL_CAPACITY = 64 * 1024;

export class MessageFramer {
  /** Bytes copied to assemble messages that arrived split across chunks (for tests and metrics). */
  bytesCopied = 0;
  /** The length prefix when it arrives split across chunks. */
  private readonly prefix = Buffer.alloc(4);
  private prefixFilled = 0;
  /** The message being assembled (its announced length, a buffer of part of it) and how much is filled. */
  private pending: Buffer | undefined;
  private length = 0;
  private filled = 0;

  /** Bytes reserved for the message being assembled. */
  get reservedBytes(): number {
    return this.pending?.length ?? 0;
  }

  /**
   * Feeds one chunk and yields each message it completes, in order. Throws ProtocolError
   * as soon as a length prefix is out of range, before anything after it is buffered;
   * messages completed earlier in the same chunk have been yielded by then. A message
   * contained whole in the chunk is yielded as a view of it, without copying.
   */
  *push(chunk: Buffer): Generator<Buffer, void, undefined> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.pending) {
        const n = Math.min(chunk.length - offset, this.length - this.filled);
        this.reserve(this.filled + n);
        chunk.copy(this.pending, this.filled, offset, offset + n);
        this.bytesCopied += n;
        this.filled += n;
        offset += n;
        if (this.filled < this.length) return;
        const message = this.pending;
        this.pending = undefined;
        this.filled = 0;
        yield message;
        continue;
      }
      if (this.prefixFilled > 0 || chunk.length - offset < 4) {
        const n = Math.min(4 - this.prefixFilled, chunk.length - offset);
        chunk.copy(this.prefix, this.prefixFilled, offset, offset + n);
        this.bytesCopied += n;
        this.prefixFilled += n;
        offset += n;
        if (this.prefixFilled < 4) return;
        this.prefixFilled = 0;
        this.startMessage(this.prefix, 0);
        continue;
      }
      const length = checkMessageLength(chunk.readInt32LE(offset));
      if (chunk.length - offset >= length) {
        yield chunk.subarray(offset, offset + length);
        offset += length;
        continue;
      }
      this.startMessage(chunk, offset);
      offset += 4;
    }
  }

  /** Validates the length prefix at `source[at..at+4]` and starts the message it announces. */
  private startMessage(source: Buffer, at: number): void {
    this.length = checkMessageLength(source.readInt32LE(at));
    // Unsafe is fine: the message is yielded only once every byte has been written.
    this.pending = Buffer.allocUnsafe(Math.min(this.length, INITIAL_CAPACITY));
    source.copy(this.pending, 0, at, at + 4);
    this.bytesCopied += 4;
    this.filled = 4;
  }

  /** Room for `needed` bytes: doubling, never past the announced length. */
  private reserve(needed: number): void {
    const pending = this.pending!;
    if (needed <= pending.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.length, Math.max(needed, pending.length * 2)));
    pending.copy(grown, 0, 0, this.filled);
    this.bytesCopied += this.filled;
    this.pending = grown;
  }
}
