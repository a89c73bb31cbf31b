import { type SafeHtml, trusted } from './html.js';

/** The otpauth URI as an SVG QR code, made here (no network, no image service). */
export async function qrCodeSvg(text: string): Promise<SafeHtml> {
  // Loaded by the first TOTP enrolment, not by every `serve` worker.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return trusted(svg.replace('<svg ', '<svg role="img" aria-label="QR code for your authenticator app" '));
}
