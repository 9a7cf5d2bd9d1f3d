#!/usr/bin/env -S node --max-semi-space-size=8
// `warp-host`: the headless runtime as this very process (no wrapper, no child) — the process a
// supervisor (systemd, Docker, pm2) starts is the one that gets its signals and exits 0 after the
// drain. Builds first when out/ is missing or stale, like `npm run headless`.
//
// The shebang's V8 flags are the ones every headless launch uses: `npm run headless`, the systemd
// and Docker examples in the README and the hosts the tests and benchmarks start take them from
// here (test/unit/ops/headless-flags.test.ts checks that they agree).
// --max-semi-space-size=8: on Node 20 V8's young generation may grow to 2 × 16 MB, and a host
// relaying game packets allocates fast enough to grow it all the way. Capped at 2 × 8 MB, the host
// relaying 50 players used ~15 MB less memory (bench:hosting N=50: 174–175 → 158–160 MB RSS) at
// the same CPU. V8 reads it only at start-up: set from inside the process it has no effect.
import '../scripts/headless.mjs'
