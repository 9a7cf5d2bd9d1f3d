#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=8
// `warp-host`: the headless runtime as this very process (no wrapper, no child) — the process a
// supervisor (systemd, Docker, pm2) starts is the one that gets its signals and exits 0 after the
// drain. Builds first when out/ is missing or stale, like `npm run headless`.
//
// The shebang's settings are the ones every headless launch uses: `npm run headless` (its node
// flags: npm scripts cannot set variables on Windows), the systemd and Docker examples in the
// README and the hosts the tests and benchmarks start take them from here
// (test/unit/ops/headless-flags.test.ts checks that they agree). Both are read only at start-up:
// set from inside the process they have no effect.
// --max-semi-space-size=8: on Node 20 V8's young generation may grow to 2 × 16 MB, and a host
// relaying game packets allocates fast enough to grow it all the way. Capped at 2 × 8 MB, the host
// relaying 50 players used ~15 MB less memory (bench:hosting N=50: 174–175 → 158–160 MB RSS) at
// the same CPU.
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ (glibc; ignored elsewhere): fixed at 128 KiB, so
// glibc neither raises its mmap threshold after large buffers are freed nor keeps up to 64 MB of
// freed memory — the relay's DTLS and buffer churn left 7–14 MB more resident without them
// (bench:hosting N=50: 159–167 → 152–153 MB), at the same CPU.
import '../scripts/headless.mjs'
