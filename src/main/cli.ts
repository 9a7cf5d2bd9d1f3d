/**
 * The headless command line: `--config PATH` (or `--config=PATH`), `--help`, `--version`.
 * Anything else is refused with a message and exit 64 (EX_USAGE) — a typo such as `--confg`
 * must not silently start on the defaults.
 */
import { closest } from './config/suggest'
import { parseSendArgs, type SendCli } from './inbox/send-client'

export const EX_USAGE = 64

export type CliAction =
  | { kind: 'run'; argv: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | { kind: 'usage-error'; message: string }
  | { kind: 'send'; send: SendCli }

export function usageText(): string {
  return [
    'Usage: warp-host [--config PATH]      (or: npm run headless -- [--config PATH])',
    '       warp-host send <command> [args…] [--group NAME] [--json] [--timeout S] [--config PATH]',
    '                                      (an operator command to the running host; send --help)',
    '',
    'Runs WARP Host without a window: the AI request poller and the other enabled services, with',
    'the dashboard served to a browser on ADMIN_HOST:ADMIN_PORT (default 127.0.0.1:8787).',
    '',
    'Options:',
    '  --config PATH   the YAML configuration file (else WARP_HOST_CONFIG, AI_IPC_CONFIG,',
    '                  or <data folder>/config.yaml)',
    '  --help, -h      print this help and exit',
    '  --version, -v   print the version and exit',
    '',
    'Environment variables override the file (DB_DRIVER, DB_HOST, DB_NAME, ADMIN_TOKEN, …; see',
    'the README). SIGTERM/SIGINT drain and exit 0. Exit codes: 64 bad command line, 78 bad',
    'configuration, 1 start-up failure.'
  ].join('\n')
}

export function parseCommandLine(argv: string[], version: string): CliAction {
  if (argv[0] === 'send') return parseSendArgs(argv.slice(1))
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') return { kind: 'help', text: usageText() }
    if (a === '--version' || a === '-v' || a === '-V') return { kind: 'version', text: `warp-host ${version}` }
    if (a === '--config') {
      const value = argv[i + 1]
      if (value === undefined || value === '' || value.startsWith('-')) {
        return { kind: 'usage-error', message: '--config needs a value: --config PATH' }
      }
      out.push(a, value)
      i++
      continue
    }
    if (a.startsWith('--config=')) {
      if (a.length === '--config='.length) return { kind: 'usage-error', message: '--config needs a value: --config=PATH' }
      out.push(a)
      continue
    }
    const near = a.startsWith('-') ? closestOption(a) : null
    return {
      kind: 'usage-error',
      message: `${a.startsWith('-') ? 'unknown option' : 'unexpected argument'} ${JSON.stringify(a)}${near ? ` (did you mean ${near}?)` : ''}`
    }
  }
  return { kind: 'run', argv: out }
}

const OPTIONS = ['--config', '--help', '--version']

function closestOption(arg: string): string | null {
  return closest(arg.split('=')[0]!, OPTIONS)
}
