// placeholder: replaced by the Electron-shell work
export {}
