// Types for qrcode-terminal (it ships none): just what `baton up` uses.
declare module 'qrcode-terminal' {
  const qr: { generate(text: string, options: { small: boolean }, callback: (qr: string) => void): void };
  export default qr;
}
