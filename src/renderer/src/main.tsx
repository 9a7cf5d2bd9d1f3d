/**
 * Renderer entry: picks the transport (window.api in the desktop app, the WebSocket bridge in a
 * browser), binds the stores to it, and renders the dashboard.
 */
// zod without eval (the CSP forbids it) before anything parses. Base styles next, so page styles
// (imported through App) come after them in the bundle.
import './zod-jitless'
import './styles/base.css'
import './styles/frame.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { getClient } from './api/client'
import { App } from './App'
import { attachStores } from './stores/live-data'

attachStores(getClient())

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>
)
