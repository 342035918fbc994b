#!/usr/bin/env node
// Draws the app icons (PNG, anti-aliased) with nothing but zlib: `node scripts/make-icons.mjs` writes public/*.png.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
mkdirSync(out, { recursive: true });

const INK = [11, 18, 32];
const AMBER = [245, 158, 11];
const CREAM = [255, 247, 230];

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Signed distances in unit coordinates (0..1); negative inside.
const roundedRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const capsule = (x, y, ax, ay, bx, by, r) => {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * h, py - dy * h) - r;
};
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;

/**
 * The mark: an amber baton passed diagonally, with a cream dot (the hand-off point).
 * `scale` shrinks the mark so a maskable icon keeps it inside the 80 % safe zone.
 */
function draw(size, { fullBleed, scale }) {
  const buf = Buffer.alloc(size * size * 4);
  const aa = 1.2 / size;
  const cover = (d) => Math.max(0, Math.min(1, 0.5 - d / aa));
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size, y = (py + 0.5) / size;
      // Mark coordinates, scaled about the centre.
      const mx = 0.5 + (x - 0.5) / scale, my = 0.5 + (y - 0.5) / scale;
      const bg = fullBleed ? 1 : cover(roundedRect(x, y, 0.5, 0.5, 0.5, 0.5, 0.22));
      const baton = cover(capsule(mx, my, 0.27, 0.73, 0.66, 0.34, 0.085) * scale);
      const dot = cover(circle(mx, my, 0.775, 0.225, 0.07) * scale);
      let c = INK;
      c = mix(c, AMBER, baton);
      c = mix(c, CREAM, dot);
      const i = (py * size + px) * 4;
      buf[i] = c[0]; buf[i + 1] = c[1]; buf[i + 2] = c[2];
      buf[i + 3] = Math.round(255 * bg);
    }
  }
  return png(size, buf);
}
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

const icons = [
  ['icon-192.png', 192, { fullBleed: false, scale: 1 }],
  ['icon-512.png', 512, { fullBleed: false, scale: 1 }],
  ['icon-maskable-512.png', 512, { fullBleed: true, scale: 0.72 }],
  // iOS rounds the corners itself and shows transparency as black: draw it full-bleed.
  ['apple-touch-icon.png', 180, { fullBleed: true, scale: 0.85 }],
  ['favicon-32.png', 32, { fullBleed: false, scale: 1 }],
];
for (const [name, size, opts] of icons) {
  writeFileSync(join(out, name), draw(size, opts));
  console.log(`wrote public/${name}`);
}
