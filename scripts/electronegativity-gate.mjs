#!/usr/bin/env node
// CI: fails the build on NEW Electron security findings. Reads the SARIF report written by
//   npx @doyensec/electronegativity -i src -r -o electronegativity.sarif
// and compares each finding (check id + file, no line numbers, so unrelated edits do not churn)
// with the accepted ones in .github/electronegativity-baseline.json, each of which names why it
// is accepted. Exit 1 when a finding is not in the baseline; baseline entries no longer found are
// reported so the file can shrink.
//
//   node scripts/electronegativity-gate.mjs <report.sarif> [baseline.json]
import fs from 'node:fs'
import path from 'node:path'

/** Findings of a SARIF 2.1.0 report as {check, file, line, message}. */
export function sarifFindings(sarif) {
  const out = []
  for (const run of Array.isArray(sarif?.runs) ? sarif.runs : []) {
    for (const r of Array.isArray(run?.results) ? run.results : []) {
      const loc = r?.locations?.[0]?.physicalLocation
      out.push({
        check: String(r?.ruleId ?? 'UNKNOWN_CHECK'),
        file: String(loc?.artifactLocation?.uri ?? '').replace(/\\/g, '/').replace(/^(\.\/)+/, ''),
        line: Number(loc?.region?.startLine ?? 0),
        message: String(r?.message?.text ?? '')
      })
    }
  }
  return out
}

const keyOf = (f) => `${f.check}|${f.file}`

/** {fresh: findings not accepted, stale: accepted entries not found}. */
export function compareWithBaseline(findings, baseline) {
  const accepted = Array.isArray(baseline?.accepted) ? baseline.accepted : []
  for (const a of accepted) {
    if (!a || typeof a.check !== 'string' || typeof a.file !== 'string' || typeof a.reason !== 'string' || a.reason.trim() === '') {
      throw new Error(`baseline entry ${JSON.stringify(a)} needs check, file and a reason`)
    }
  }
  const acceptedKeys = new Set(accepted.map(keyOf))
  const foundKeys = new Set(findings.map(keyOf))
  return { fresh: findings.filter((f) => !acceptedKeys.has(keyOf(f))), stale: accepted.filter((a) => !foundKeys.has(keyOf(a))) }
}

function main(argv) {
  const [reportPath, baselinePath = path.join('.github', 'electronegativity-baseline.json')] = argv
  if (!reportPath) {
    console.error('usage: electronegativity-gate.mjs <report.sarif> [baseline.json]')
    return 64
  }
  if (!fs.existsSync(reportPath)) {
    console.error(`[electronegativity] no report at ${reportPath}: the scan did not run`)
    return 1
  }
  const findings = sarifFindings(JSON.parse(fs.readFileSync(reportPath, 'utf8')))
  const baseline = fs.existsSync(baselinePath) ? JSON.parse(fs.readFileSync(baselinePath, 'utf8')) : { accepted: [] }
  const { fresh, stale } = compareWithBaseline(findings, baseline)
  console.log(`[electronegativity] ${findings.length} finding(s), ${findings.length - fresh.length} accepted in ${baselinePath}`)
  for (const s of stale) console.log(`[electronegativity] no longer found (remove from the baseline): ${s.check} ${s.file}`)
  if (fresh.length === 0) return 0
  console.error(`[electronegativity] ${fresh.length} NEW finding(s) — fix them, or accept each in ${baselinePath} with a reason:`)
  for (const f of fresh) console.error(`  ${f.check}  ${f.file}:${f.line}  ${f.message.split('\n')[0]}`)
  return 1
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('electronegativity-gate.mjs')) {
  process.exitCode = main(process.argv.slice(2))
}
