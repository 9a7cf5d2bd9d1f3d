/**
 * AI service reachability (`ai.testService`): the last probe's result for the Overview's queue
 * health and for Settings' "Test AI service" button (which may probe an unsaved base URL).
 */
import { create } from 'zustand'
import type { AiTestServiceResult, ContractClient } from '../../../shared/contract'
import { errorMessage } from '../api/call-result'

interface AiServiceStore {
  /** The last probe of the saved base URL (Overview). */
  saved: AiTestServiceResult | null
  /** Epoch ms when `saved` arrived. */
  savedAt: number | null
  probing: boolean
  /** Why the last probe call itself failed (not: the service is down — that is a result). */
  error: string | null
}

export const useAiServiceStore = create<AiServiceStore>(() => ({ saved: null, savedAt: null, probing: false, error: null }))

/** Probes the saved base URL (the Overview keeps it fresh while shown). */
export async function probeSavedAiService(client: ContractClient): Promise<void> {
  if (useAiServiceStore.getState().probing) return
  useAiServiceStore.setState({ probing: true })
  try {
    const saved = await client.call('ai.testService', {})
    useAiServiceStore.setState({ saved, savedAt: Date.now(), probing: false, error: null })
  } catch (err) {
    useAiServiceStore.setState({ probing: false, error: errorMessage(err) })
  }
}
