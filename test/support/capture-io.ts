import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/cli-io.js';

/** An in-process CliIo whose output is captured as text, for testing commands through `main`. */
export function captureIo(
  cwd: string,
  options: { tty?: boolean } = {},
): CliIo & { out(): string; err(): string } {
  const make = () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: string };
    stream.text = '';
    stream.isTTY = options.tty === true;
    stream.columns = 120;
    stream.write = ((chunk: string | Uint8Array) => {
      stream.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as NodeJS.WriteStream['write'];
    return stream;
  };
  const stdout = make();
  const stderr = make();
  return {
    stdout,
    stderr,
    cwd,
    env: { NO_COLOR: '1' },
    now: () => Date.now(),
    out: () => stdout.text,
    err: () => stderr.text,
  };
}
