/**
 * The app:// scheme: registered as a privileged standard secure scheme before ready; a request is
 * served only from the renderer folder, with the one CSP on HTML and nosniff; every way out of the
 * folder (.. segments, %-encoded dots and separators, backslashes, drive letters, NUL, another
 * host, credentials, a port) is refused with 403 and logged; missing files are 404; only GET/HEAD.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { APP_INDEX_URL, APP_ORIGIN, handleAppScheme, registerAppScheme, resolveAppFile } from '../../../src/main/electron/app-protocol'
import { LogSink } from '../../../src/main/logging/logger'
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/csp'
import { protocol, resetFakeElectron } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

let dir: string
let root: string
let sink: LogSink

beforeEach(() => {
  resetFakeElectron()
  sink = new LogSink({ level: 'debug', format: 'json', dir: null, write: () => undefined })
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-app-protocol-'))
  root = path.join(dir, 'renderer')
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>WARP Host</title>')
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP SECRET')
  fs.mkdirSync(path.join(dir, 'renderer-evil'))
  fs.writeFileSync(path.join(dir, 'renderer-evil', 'x.html'), 'evil sibling')
})

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('app:// scheme', () => {
  it('is registered as a privileged, standard, secure scheme with fetch support', () => {
    registerAppScheme()
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1)
    expect(protocol.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) }])
    // Not bypassing CSP, not readable cross-origin, not a service-worker origin.
    expect(protocol.privileged[0]?.privileges?.bypassCSP).toBeUndefined()
    expect(protocol.privileged[0]?.privileges?.corsEnabled).toBeUndefined()
    expect(protocol.privileged[0]?.privileges?.allowServiceWorkers).toBeUndefined()
    expect(APP_ORIGIN).toBe('app://warp-host')
  })

  it('resolves our files: / is index.html, assets by path, query and hash ignored', () => {
    expect(resolveAppFile('app://warp-host/', root)).toBe(path.join(root, 'index.html'))
    expect(resolveAppFile(APP_INDEX_URL, root)).toBe(path.join(root, 'index.html'))
    expect(resolveAppFile('app://warp-host/assets/index-abc.js?v=1#x', root)).toBe(path.join(root, 'assets', 'index-abc.js'))
    expect(resolveAppFile('app://warp-host/assets/a%20b.js', root)).toBe(path.join(root, 'assets', 'a b.js'))
  })

  it.each([
    ['app://warp-host/../secret.txt', 'secret.txt'],
    ['app://warp-host/%2e%2e/secret.txt', 'secret.txt'],
    ['app://warp-host/%2E%2E/%2E%2E/etc/passwd', 'etc/passwd'],
    ['app://warp-host/../renderer-evil/x.html', 'renderer-evil/x.html'],
    ['app://warp-host/assets/../../../secret.txt', 'secret.txt']
  ])('%s: URL parsing collapses the dot segments, so it stays inside the folder', async (url, inside) => {
    expect(resolveAppFile(url, root)).toBe(path.join(root, ...inside.split('/')))
    handleAppScheme(root, sink.logger('app'))
    const r = await protocol.fetch(url)
    expect(r.status).toBe(404)
    expect(await r.text()).not.toMatch(/SECRET|evil sibling/)
  })

  it.each([
    'app://warp-host/..%2fsecret.txt',
    'app://warp-host/..%2Fsecret.txt',
    'app://warp-host/assets/..%2F..%2Fsecret.txt',
    'app://warp-host/..%5csecret.txt',
    'app://warp-host/assets\\..\\..\\secret.txt',
    'app://warp-host/%2e%2e%5c%2e%2e%5csecret.txt',
    'app://warp-host/C:/Windows/win.ini',
    'app://warp-host/c%3A%5CWindows%5Cwin.ini',
    'app://warp-host/%00index.html',
    'app://warp-host/index.html%00.png',
    'app://warp-host/%E0%A4%A',
    'app://warp-host/..%2F..%2Frenderer-evil/x.html',
    'app://evil/index.html',
    'app://warp-host.evil/index.html',
    'app://user:pw@warp-host/index.html',
    'app://warp-host:8080/index.html',
    'file:///etc/passwd',
    'http://warp-host/index.html',
    'not a url'
  ])('refuses %s', (url) => {
    expect(resolveAppFile(url, root)).toBeNull()
  })

  it('serves files with their type, nosniff, and the one CSP on HTML', async () => {
    handleAppScheme(root, sink.logger('app'))
    const html = await protocol.fetch('app://warp-host/index.html')
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(html.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(html.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await html.text()).toContain('<title>WARP Host</title>')

    const js = await protocol.fetch('app://warp-host/assets/index-abc.js')
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('content-security-policy')).toBeNull()
    expect(await js.text()).toBe('console.log(1)')

    const head = await protocol.fetch('app://warp-host/index.html', 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('answers 403 (and logs) for a traversal, 404 for a missing file, 405 for other methods', async () => {
    handleAppScheme(root, sink.logger('app'))
    const out = await protocol.fetch('app://warp-host/..%2Fsecret.txt')
    expect(out.status).toBe(403)
    expect(await out.text()).not.toContain('SECRET')
    expect(sink.tail({ level: 'warn' }).some((e) => e.msg.includes('refused an app:// request'))).toBe(true)
    expect((await protocol.fetch('app://warp-host/nope.js')).status).toBe(404)
    expect((await protocol.fetch('app://warp-host/assets')).status).toBe(404) // a folder is not a file
    expect((await protocol.fetch('app://warp-host/index.html', 'POST')).status).toBe(405)
  })

  it('stops serving when disposed', async () => {
    const dispose = handleAppScheme(root, sink.logger('app'))
    dispose()
    expect(protocol.unhandle).toHaveBeenCalledWith('app')
    await expect(protocol.fetch(APP_INDEX_URL)).rejects.toThrow(/no handler/)
  })
})
