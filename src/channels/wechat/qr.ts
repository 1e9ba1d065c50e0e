/** Login QR code rendering: an SVG for the web page and a terminal print-out for the operator. */

interface QrLib {
  toString(text: string, opts: { type: 'svg' | 'terminal' | 'utf8'; small?: boolean; margin?: number }): Promise<string>;
}
interface QrTerminalLib {
  generate(text: string, opts: { small?: boolean }, cb?: (qr: string) => void): void;
}

/** Loads an optional CommonJS module by name; undefined when it is not installed. */
async function optionalModule(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    // A variable specifier: these packages are optional and untyped here.
    const mod = (await import(name)) as Record<string, unknown>;
    return (typeof mod.default === 'object' && mod.default !== null ? mod.default : mod) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const isQrLib = (m: Record<string, unknown> | undefined): m is Record<string, unknown> & QrLib => typeof m?.toString === 'function' && m.toString !== Object.prototype.toString;
const isQrTerminal = (m: Record<string, unknown> | undefined): m is Record<string, unknown> & QrTerminalLib => typeof m?.generate === 'function';

/** A URL that shows the QR code in a browser (Wechaty's public renderer). */
export const qrImageUrl = (qrcode: string) => `https://wechaty.js.org/qrcode/${encodeURIComponent(qrcode)}`;

/** The QR code as an SVG document, or undefined when the `qrcode` package is missing. */
export async function qrSvg(text: string): Promise<string | undefined> {
  const lib = await optionalModule('qrcode');
  if (!isQrLib(lib)) return undefined;
  return lib.toString(text, { type: 'svg', margin: 1 });
}

/** The QR code drawn with block characters (qrcode-terminal if installed, else qrcode), or undefined. */
export async function qrTerminal(text: string): Promise<string | undefined> {
  const term = await optionalModule('qrcode-terminal');
  if (isQrTerminal(term)) {
    return new Promise<string>((resolve) => term.generate(text, { small: true }, resolve));
  }
  const lib = await optionalModule('qrcode');
  if (!isQrLib(lib)) return undefined;
  return lib.toString(text, { type: 'terminal', small: true });
}
