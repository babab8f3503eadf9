/**
 * SVG to PNG with resvg (a Rust rasteriser shipped as prebuilt npm binaries). Text is drawn
 * with the DejaVu fonts from the `dejavu-fonts-ttf` package, not the machine's, so a chart
 * looks the same everywhere and never renders blank labels on a box without fonts.
 */
import path from 'node:path';
import { renderAsync } from '@resvg/resvg-js';

/** Pixels per SVG unit: charts are drawn at 720×420 and saved at twice that for sharp text. */
export const PNG_SCALE = 2;

let fontFiles: string[] | undefined;
function dejavuFonts(): string[] {
  if (!fontFiles) {
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => path.join(dir, f));
  }
  return fontFiles;
}

/** Rasterises an SVG document (width in SVG units) to PNG bytes. */
export async function svgToPng(svg: string, svgWidth: number): Promise<Buffer> {
  const image = await renderAsync(svg, {
    fitTo: { mode: 'width', value: Math.round(svgWidth * PNG_SCALE) },
    background: '#ffffff',
    font: { loadSystemFonts: false, fontFiles: dejavuFonts(), defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'error',
  });
  return image.asPng();
}

/** The width and height in a PNG's IHDR chunk, or an error if the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
