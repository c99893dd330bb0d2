/**
 * The part of pdfkit's API the campaign report uses (the package ships no
 * types). See pdfkit's documentation, "Getting started" and "Text".
 */
declare module 'pdfkit' {
  interface Margins {
    top: number;
    bottom: number;
    left: number;
    right: number;
  }

  interface DocumentOptions {
    size?: string | [number, number];
    margins?: Margins;
    /** Deflate content streams (default true); off, the text is readable in the file. */
    compress?: boolean;
    /** Keep pages in memory until `end()`, so they can be revisited (page numbers). */
    bufferPages?: boolean;
    autoFirstPage?: boolean;
    lang?: string;
    displayTitle?: boolean;
    info?: {
      Title?: string;
      Author?: string;
      Subject?: string;
      Creator?: string;
      Producer?: string;
      CreationDate?: Date;
      ModDate?: Date;
    };
  }

  interface TextOptions {
    width?: number;
    align?: 'left' | 'center' | 'right' | 'justify';
    lineBreak?: boolean;
    continued?: boolean;
    paragraphGap?: number;
    lineGap?: number;
    indent?: number;
    link?: string | null;
    underline?: boolean;
  }

  interface Page {
    width: number;
    height: number;
    margins: Margins;
  }

  class PDFDocument {
    constructor(options?: DocumentOptions);
    x: number;
    y: number;
    page: Page;
    on(event: 'data', listener: (chunk: Buffer) => void): this;
    on(event: 'end', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    font(name: string): this;
    fontSize(size: number): this;
    fillColor(color: string): this;
    strokeColor(color: string): this;
    lineWidth(width: number): this;
    moveTo(x: number, y: number): this;
    lineTo(x: number, y: number): this;
    stroke(): this;
    text(text: string, options?: TextOptions): this;
    text(text: string, x: number, y: number, options?: TextOptions): this;
    heightOfString(text: string, options?: TextOptions): number;
    moveDown(lines?: number): this;
    addPage(): this;
    bufferedPageRange(): { start: number; count: number };
    switchToPage(index: number): this;
    end(): void;
  }

  export default PDFDocument;
}
