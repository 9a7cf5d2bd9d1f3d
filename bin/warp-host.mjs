#!/usr/bin/env node
// `warp-host`: the headless runtime as this very process (no wrapper, no child) — the process a
// supervisor (systemd, Docker, pm2) starts is the one that gets its signals and exits 0 after the
// drain. Builds first when out/ is missing or stale, like `npm run headless`.
import '../scripts/headless.mjs'
