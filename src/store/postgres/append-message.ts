/** An append's parameter as sent (text): what node-postgres's own mapping makes of a string, a number or null. */
const asText = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : String(value as number);

/** Execute (the unnamed portal, every row) and Sync, as node-postgres sends them after a Bind. */
const EXECUTE_SYNC = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

/**
 * An append's Bind (the unnamed portal, every parameter as text, text results), Execute and Sync in one buffer
 * sized once: byte for byte what node-postgres's serializer sends for them (a test compares), which grows its
 * buffer by copies for a Bind of about a kilobyte and allocates each message apart.
 */
export function bindExecuteSync(statement: string, values: readonly unknown[]): Buffer {
  const n = values.length;
  const texts: (string | null)[] = [];
  let size = 1 + 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 * n + 2 + 2 + 2 + EXECUTE_SYNC.length;
  for (let i = 0; i < n; i++) {
    const text = asText(values[i]);
    texts.push(text);
    size += 4 + (text === null ? 0 : Buffer.byteLength(text));
  }
  const message = Buffer.allocUnsafe(size);
  message[0] = 0x42; // Bind
  message.writeInt32BE(size - EXECUTE_SYNC.length - 1, 1);
  let at = 5;
  message[at++] = 0; // the unnamed portal
  at += message.write(statement, at);
  message[at++] = 0;
  at = message.writeInt16BE(n, at);
  message.fill(0, at, at + 2 * n); // every parameter as text
  at = message.writeInt16BE(n, at + 2 * n);
  for (const text of texts) {
    if (text === null) {
      at = message.writeInt32BE(-1, at);
      continue;
    }
    const length = message.write(text, at + 4);
    message.writeInt32BE(length, at);
    at += 4 + length;
  }
  at = message.writeInt16BE(1, at); // one result format: text
  at = message.writeInt16BE(0, at);
  EXECUTE_SYNC.copy(message, at);
  return message;
}
