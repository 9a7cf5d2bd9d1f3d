import { defineConfig } from 'vitest/config'

// Three projects: unit (pure logic, mocked electron for the shell), integration (real SQLite
// files, MariaDB, RabbitMQ, HTTP/WebSocket servers, werift), e2e (built app in real Chromium).
// No timing assertions anywhere: benchmarks (test/bench, `npm run bench:*`) report speed.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 10_000
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false
        }
      }
    ]
  }
})
