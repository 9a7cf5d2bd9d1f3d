/**
 * A fake of the parts of the `electron` module the shell uses, for `vi.mock('electron', …)` —
 * the way Electron Fiddle tests its main process. Objects are EventEmitters that record what the
 * code under test did (options, handlers, menus, notifications) so tests can drive and inspect
 * them: emit 'close' on a window, invoke an ipcMain handler, click a tray menu item.
 *
 *   vi.mock('electron', () => import('./fake-electron'))
 *   beforeEach(() => resetFakeElectron())
 */
import { EventEmitter } from 'node:events'
import { vi } from 'vitest'

// ---------------------------------------------------------------------------------------------
// Events that can be prevented

export interface FakeEvent {
  preventDefault: () => void
  readonly defaultPrevented: boolean
}

export function fakeEvent<T extends object>(extra?: T): FakeEvent & T {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true
    },
    ...(extra ?? ({} as T))
  }
  return e as FakeEvent & T
}

// ---------------------------------------------------------------------------------------------
// app, autoUpdater

class FakeApp extends EventEmitter {
  isPackaged = false
  hasLock = true
  paths: Record<string, string> = { userData: '/tmp/warp-host-fake-user-data' }
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false }
  quit = vi.fn(() => {
    // Like Electron: 'before-quit' first; a handler may preventDefault to hold the quit.
    const e = fakeEvent()
    this.emit('before-quit', e)
    if (!e.defaultPrevented) this.quitCount++
  })
  exit = vi.fn((_code?: number) => undefined)
  quitCount = 0
  requestSingleInstanceLock = vi.fn(() => this.hasLock)
  whenReady = vi.fn(() => Promise.resolve())
  enableSandbox = vi.fn()
  setAppUserModelId = vi.fn()
  getPath = vi.fn((name: string) => this.paths[name] ?? `/tmp/warp-host-fake-${name}`)
  getAppPath = vi.fn(() => '/tmp/warp-host-fake-app')
  setLoginItemSettings = vi.fn((s: { openAtLogin?: boolean }) => {
    this.loginItem.openAtLogin = Boolean(s.openAtLogin)
  })
  getLoginItemSettings = vi.fn(() => ({ ...this.loginItem }))
}

export let app = new FakeApp()
export let autoUpdater = new EventEmitter()

// ---------------------------------------------------------------------------------------------
// Sessions, webContents, frames, windows

export class FakeWebRequest {
  headersFilter: { urls: string[] } | null = null
  headersListener:
    | ((
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (r: { responseHeaders?: Record<string, string[]> }) => void
      ) => void)
    | null = null
  onHeadersReceived(filter: { urls: string[] }, listener: NonNullable<FakeWebRequest['headersListener']>): void {
    this.headersFilter = filter
    this.headersListener = listener
  }
}

export type PermissionRequestHandler = (
  contents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: { requestingUrl: string }
) => void

export class FakeSession {
  webRequest = new FakeWebRequest()
  permissionRequestHandler: PermissionRequestHandler | null = null
  permissionCheckHandler: ((contents: unknown, permission: string, origin: string) => boolean) | null = null
  setPermissionRequestHandler(h: PermissionRequestHandler): void {
    this.permissionRequestHandler = h
  }
  setPermissionCheckHandler(h: (contents: unknown, permission: string, origin: string) => boolean): void {
    this.permissionCheckHandler = h
  }
}

export interface FakeFrame {
  url: string
}

export type WindowOpenHandler = (details: { url: string }) => { action: 'deny' | 'allow' }

let nextContentsId = 1

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++
  session = new FakeSession()
  mainFrame: FakeFrame = { url: '' }
  destroyed = false
  windowOpenHandler: WindowOpenHandler | null = null
  send = vi.fn((_channel: string, ..._args: unknown[]) => undefined)
  isDestroyed(): boolean {
    return this.destroyed
  }
  setWindowOpenHandler(h: WindowOpenHandler): void {
    this.windowOpenHandler = h
  }
}

let nextWindowId = 1

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = []
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.all.find((w) => w.webContents === contents && !w.destroyed) ?? null
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed)
  }

  readonly id = nextWindowId++
  readonly options: Record<string, unknown>
  webContents = new FakeWebContents()
  visible = false
  minimized = false
  destroyed = false
  loaded: { url?: string; file?: string } | null = null

  constructor(options: Record<string, unknown> = {}) {
    super()
    this.options = options
    FakeBrowserWindow.all.push(this)
    app.emit('web-contents-created', fakeEvent(), this.webContents)
  }

  show = vi.fn(() => {
    this.visible = true
    this.emit('show')
  })
  hide = vi.fn(() => {
    this.visible = false
    this.emit('hide')
  })
  focus = vi.fn()
  restore = vi.fn(() => {
    this.minimized = false
  })
  isVisible(): boolean {
    return this.visible
  }
  isMinimized(): boolean {
    return this.minimized
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  loadURL = vi.fn(async (url: string) => {
    this.loaded = { url }
    this.webContents.mainFrame.url = url
  })
  loadFile = vi.fn(async (file: string) => {
    this.loaded = { file }
    this.webContents.mainFrame.url = new URL(`file://${file.startsWith('/') ? '' : '/'}${file}`).href
  })
  /** A user close: 'close' (preventable), then destroyed unless prevented. */
  close(): FakeEvent {
    const e = fakeEvent()
    this.emit('close', e)
    if (!e.defaultPrevented) this.destroy()
    return e
  }
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.webContents.destroyed = true
    this.emit('closed')
  }
}

export const BrowserWindow = FakeBrowserWindow

// ---------------------------------------------------------------------------------------------
// IPC

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown

class FakeIpcMain {
  handlers = new Map<string, InvokeHandler>()
  handle = vi.fn((channel: string, handler: InvokeHandler) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, handler)
  })
  removeHandler = vi.fn((channel: string) => {
    this.handlers.delete(channel)
  })
  /** Calls a registered handler the way Electron does for ipcRenderer.invoke. */
  async invoke(channel: string, event: { sender: unknown; senderFrame: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel)
    if (!h) throw new Error(`No handler registered for '${channel}'`)
    return h(event, ...args)
  }
}

export let ipcMain = new FakeIpcMain()

class FakeIpcRenderer extends EventEmitter {
  invoke = vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => undefined)
}

export let ipcRenderer = new FakeIpcRenderer()

export let contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, api: unknown) => {
    contextBridge.exposed.set(key, api)
  })
}

// ---------------------------------------------------------------------------------------------
// shell, dialog, nativeImage, Menu, Tray, Notification, safeStorage

export let shell = { openExternal: vi.fn(async (_url: string) => undefined) }
export let dialog = { showErrorBox: vi.fn((_title: string, _content: string) => undefined) }

export class FakeNativeImage {
  constructor(
    readonly source: string,
    readonly scaleFactor = 1
  ) {}
}

export const nativeImage = {
  createFromPath: (p: string) => new FakeNativeImage(p),
  createFromBuffer: (_b: Buffer, opts?: { scaleFactor?: number }) => new FakeNativeImage('buffer', opts?.scaleFactor ?? 1)
}

export interface FakeMenuItem {
  id?: string
  label?: string
  type?: string
  enabled?: boolean
  checked?: boolean
  click?: (item: { checked: boolean }) => void
}

export class FakeMenu {
  static application: FakeMenu | null = null
  constructor(readonly items: FakeMenuItem[]) {}
  static buildFromTemplate(items: FakeMenuItem[]): FakeMenu {
    return new FakeMenu(items.map((i) => ({ ...i })))
  }
  static setApplicationMenu(menu: FakeMenu | null): void {
    FakeMenu.application = menu
  }
  byId(id: string): FakeMenuItem | undefined {
    return this.items.find((i) => i.id === id)
  }
  /** Clicks an item like Electron (a checkbox flips first). */
  click(id: string): void {
    const item = this.byId(id)
    if (!item) throw new Error(`no menu item ${id}`)
    if (item.type === 'checkbox') item.checked = !item.checked
    item.click?.({ checked: Boolean(item.checked) })
  }
}

export const Menu = FakeMenu

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = []
  image: FakeNativeImage
  images: FakeNativeImage[] = []
  tooltip = ''
  title = ''
  menu: FakeMenu | null = null
  destroyed = false
  constructor(image: FakeNativeImage) {
    super()
    this.image = image
    this.images.push(image)
    FakeTray.instances.push(this)
  }
  setImage(image: FakeNativeImage): void {
    this.image = image
    this.images.push(image)
  }
  setToolTip(t: string): void {
    this.tooltip = t
  }
  setTitle(t: string): void {
    this.title = t
  }
  setContextMenu(m: FakeMenu): void {
    this.menu = m
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  destroy(): void {
    this.destroyed = true
  }
}

export const Tray = FakeTray

export class FakeNotification extends EventEmitter {
  static supported = true
  static shown: FakeNotification[] = []
  static isSupported(): boolean {
    return FakeNotification.supported
  }
  constructor(readonly options: { title: string; body: string }) {
    super()
  }
  show(): void {
    FakeNotification.shown.push(this)
  }
}

export const Notification = FakeNotification

/** "Encryption" that is visibly not plaintext and round-trips. */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  isEncryptionAvailable: vi.fn(() => safeStorage.available),
  getSelectedStorageBackend: vi.fn(() => safeStorage.backend),
  encryptString: vi.fn((s: string) => Buffer.concat([Buffer.from('FAKEENC:'), Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)])),
  decryptString: vi.fn((b: Buffer) => {
    if (!b.subarray(0, 8).equals(Buffer.from('FAKEENC:'))) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
    return Buffer.from(b.subarray(8).map((x) => x ^ 0x5a)).toString('utf8')
  })
}

// ---------------------------------------------------------------------------------------------
// protocol

export interface FakePrivilegedScheme {
  scheme: string
  privileges?: Record<string, boolean>
}

class FakeProtocol {
  privileged: FakePrivilegedScheme[] = []
  handlers = new Map<string, (request: Request) => Response | Promise<Response>>()
  registerSchemesAsPrivileged = vi.fn((schemes: FakePrivilegedScheme[]) => {
    this.privileged.push(...schemes)
  })
  handle = vi.fn((scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
    if (this.handlers.has(scheme)) throw new Error(`The scheme "${scheme}" is already handled`)
    this.handlers.set(scheme, handler)
  })
  unhandle = vi.fn((scheme: string) => {
    this.handlers.delete(scheme)
  })
  /** Fetches a URL through the registered handler, like the renderer would. */
  async fetch(url: string, method = 'GET'): Promise<Response> {
    const scheme = url.slice(0, url.indexOf(':'))
    const h = this.handlers.get(scheme)
    if (!h) throw new Error(`no handler for ${scheme}:`)
    // Electron hands the handler a GlobalRequest; the handlers read url and method.
    return h({ url, method } as unknown as Request)
  }
}

export let protocol = new FakeProtocol()

// ---------------------------------------------------------------------------------------------

/** Fresh fakes for the next test (module bindings are live, so importers see the new objects). */
export function resetFakeElectron(): void {
  app = new FakeApp()
  autoUpdater = new EventEmitter()
  FakeBrowserWindow.all = []
  ipcMain = new FakeIpcMain()
  ipcRenderer = new FakeIpcRenderer()
  contextBridge = {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld: vi.fn((key: string, api: unknown) => {
      contextBridge.exposed.set(key, api)
    })
  }
  shell = { openExternal: vi.fn(async (_url: string) => undefined) }
  dialog = { showErrorBox: vi.fn((_title: string, _content: string) => undefined) }
  FakeTray.instances = []
  FakeMenu.application = null
  protocol = new FakeProtocol()
  FakeNotification.supported = true
  FakeNotification.shown = []
  safeStorage.available = true
  safeStorage.backend = 'gnome_libsecret'
}

/** Casts a real-typed Electron object created by the code under test back to its fake. */
export function fake<T>(obj: unknown): T {
  return obj as T
}
