import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** Colours for a terminal; plain text when the stream is not a TTY, under CI, or with NO_COLOR set. */
export function createStyle(stream: NodeJS.WriteStream) {
  const enabled = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  const paint = (format: Format) => (text: string) => (enabled ? styleText(format, text) : text);
  return {
    error: paint(['bold', 'red']),
    warning: paint(['bold', 'yellow']),
    ok: paint(['bold', 'green']),
    dim: paint('dim'),
    bold: paint('bold'),
    critical: paint(['bold', 'magenta']),
  };
}
export type Style = ReturnType<typeof createStyle>;
