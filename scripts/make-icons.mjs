#!/usr/bin/env node
// Draws the app icon and the tray state icons into resources/ as real PNGs, with nothing but
// node:zlib: simple shapes (rounded square, rings, discs) rendered with 4x4 supersampling.
// The generated PNGs are committed; run `node scripts/make-icons.mjs` again after changing a shape.
//
//   resources/icon.png                512x512  app icon (electron-builder makes .ico/.icns from it)
//   resources/tray-<state>.png        32x32    idle (grey ring), hosting (green), error (red "!")
//   resources/tray-<state>@2x.png     64x64    the same for HiDPI screens
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'resources')

// --- PNG encoding -------------------------------------------------------------------------------

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** rgba: Uint8Array of size*size*4, straight (not premultiplied) alpha. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type RGBA
  ihdr[10] = 0
  ihdr[11] = 0
  ihdr[12] = 0
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1)
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

// --- Drawing ------------------------------------------------------------------------------------
// A picture is a list of layers painted in order; each layer is (inside(u, v) → bool, colour(u, v)),
// in unit coordinates (0..1 across the image). Coverage comes from 4x4 samples per pixel.

function render(size, layers) {
  const rgba = new Uint8Array(size * size * 4)
  const n = 4
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const u = (x + (sx + 0.5) / n) / size
          const v = (y + (sy + 0.5) / n) / size
          // Paint layers over each other (premultiplied "over").
          let pr = 0
          let pg = 0
          let pb = 0
          let pa = 0
          for (const layer of layers) {
            if (!layer.inside(u, v)) continue
            const [cr, cg, cb, ca = 1] = layer.color(u, v)
            pr = cr * ca + pr * (1 - ca)
            pg = cg * ca + pg * (1 - ca)
            pb = cb * ca + pb * (1 - ca)
            pa = ca + pa * (1 - ca)
          }
          r += pr
          g += pg
          b += pb
          a += pa
        }
      }
      const count = n * n
      const i = (y * size + x) * 4
      const alpha = a / count
      rgba[i + 3] = Math.round(alpha * 255)
      if (alpha > 0) {
        rgba[i] = Math.round((r / count / alpha) * 255)
        rgba[i + 1] = Math.round((g / count / alpha) * 255)
        rgba[i + 2] = Math.round((b / count / alpha) * 255)
      }
    }
  }
  return rgba
}

const hex = (h) => [parseInt(h.slice(1, 3), 16) / 255, parseInt(h.slice(3, 5), 16) / 255, parseInt(h.slice(5, 7), 16) / 255]
const mix = (c1, c2, t) => c1.map((c, i) => c + (c2[i] - c) * t)
const dist = (u, v, cx, cy) => Math.hypot(u - cx, v - cy)

const disc = (cx, cy, r) => (u, v) => dist(u, v, cx, cy) <= r
const ring = (cx, cy, r1, r2) => (u, v) => {
  const d = dist(u, v, cx, cy)
  return d >= r1 && d <= r2
}
const rect = (x0, y0, x1, y1) => (u, v) => u >= x0 && u <= x1 && v >= y0 && v <= y1
function roundedSquare(margin, radius) {
  const lo = margin
  const hi = 1 - margin
  return (u, v) => {
    if (u < lo || u > hi || v < lo || v > hi) return false
    const cx = Math.min(Math.max(u, lo + radius), hi - radius)
    const cy = Math.min(Math.max(v, lo + radius), hi - radius)
    return dist(u, v, cx, cy) <= radius
  }
}
const solid = (c, a = 1) => () => [...c, a]

// --- The pictures -------------------------------------------------------------------------------

function appIcon() {
  const top = hex('#1c2b52')
  const bottom = hex('#43207a')
  const cyan = hex('#3fd8ff')
  const peers = [-90, 30, 150].map((deg) => {
    const rad = (deg * Math.PI) / 180
    return [0.5 + 0.29 * Math.cos(rad), 0.5 + 0.29 * Math.sin(rad)]
  })
  return [
    // background tile with a vertical gradient (macOS-style 10% margin)
    { inside: roundedSquare(0.06, 0.2), color: (_u, v) => [...mix(top, bottom, v), 1] },
    // the warp ring and a faint outer halo
    { inside: ring(0.5, 0.5, 0.255, 0.325), color: (u) => [...mix(cyan, hex('#8f7bff'), u), 1] },
    { inside: ring(0.5, 0.5, 0.345, 0.36), color: solid(cyan, 0.35) },
    // the host in the middle
    { inside: disc(0.5, 0.5, 0.11), color: solid(hex('#ffffff')) },
    // three peers on the ring
    ...peers.map(([cx, cy]) => ({ inside: disc(cx, cy, 0.065), color: solid(hex('#ffffff')) })),
    ...peers.map(([cx, cy]) => ({ inside: disc(cx, cy, 0.035), color: solid(hex('#2ecc71')) }))
  ]
}

function trayIcon(state) {
  const outline = hex('#1b1f27')
  if (state === 'idle') {
    const grey = hex('#9aa4b2')
    return [
      { inside: ring(0.5, 0.5, 0.26, 0.44), color: solid(outline, 0.55) },
      { inside: ring(0.5, 0.5, 0.29, 0.41), color: solid(grey) },
      { inside: disc(0.5, 0.5, 0.11), color: solid(grey) }
    ]
  }
  if (state === 'hosting') {
    const green = hex('#2ecc71')
    return [
      { inside: disc(0.5, 0.5, 0.46), color: solid(outline, 0.55) },
      { inside: disc(0.5, 0.5, 0.43), color: solid(green) },
      { inside: ring(0.5, 0.5, 0.2, 0.28), color: solid(hex('#ffffff')) },
      { inside: disc(0.5, 0.5, 0.09), color: solid(hex('#ffffff')) }
    ]
  }
  const red = hex('#e5484d')
  return [
    { inside: disc(0.5, 0.5, 0.46), color: solid(outline, 0.55) },
    { inside: disc(0.5, 0.5, 0.43), color: solid(red) },
    { inside: rect(0.44, 0.22, 0.56, 0.6), color: solid(hex('#ffffff')) },
    { inside: disc(0.5, 0.72, 0.07), color: solid(hex('#ffffff')) }
  ]
}

function write(name, size, layers) {
  const file = path.join(outDir, name)
  fs.writeFileSync(file, encodePng(size, render(size, layers)))
  console.log(`wrote ${path.relative(root, file)} (${size}x${size})`)
}

fs.mkdirSync(outDir, { recursive: true })
write('icon.png', 512, appIcon())
for (const state of ['idle', 'hosting', 'error']) {
  write(`tray-${state}.png`, 32, trayIcon(state))
  write(`tray-${state}@2x.png`, 64, trayIcon(state))
}
