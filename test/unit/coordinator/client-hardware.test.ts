import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { BandwidthMeter, hostAddressFor, readHardware } from '../../../src/main/coordinator/client/hardware'
import { HostRegisterSchema } from '../../../src/main/coordinator/wire'

describe('coordinator client hardware', () => {
  it('reads the cores and memory from the OS, in the ranges the wire accepts', () => {
    const hw = readHardware()
    expect(hw.cpuCores).toBe(Math.max(1, os.cpus().length))
    expect(hw.memoryMb).toBe(Math.floor(os.totalmem() / 1024 / 1024))
    expect(hw.networkSpeedMbps).toBeGreaterThanOrEqual(1)
    expect(hw.networkSpeedMeasured || hw.networkSpeedMbps === 100).toBe(true)
    const body = { host_id: 'h', player_id: 'h', player_name: 'n', ip_address: '127.0.0.1', port: 7000, cpu_cores: hw.cpuCores, cpu_frequency_mhz: hw.cpuFrequencyMhz, memory_mb: hw.memoryMb, network_speed_mbps: hw.networkSpeedMbps }
    expect(HostRegisterSchema.safeParse(body).success).toBe(true)
  })

  it('registers a loopback address for a local coordinator', () => {
    expect(hostAddressFor('127.0.0.1')).toBe('127.0.0.1')
    expect(hostAddressFor('localhost')).toBe('127.0.0.1')
    expect(hostAddressFor('[::1]')).toBe('127.0.0.1')
    expect(hostAddressFor('coordinator.example')).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
  })

  it('measures traffic between samples in Mbps; nothing on the first sample, a counter reset, or where the OS does not say', () => {
    const bytes = [1_000_000, 2_250_000, 100]
    const meter = new BandwidthMeter(() => bytes.shift() ?? null)
    expect(meter.sample(0)).toBeNull()
    expect(meter.sample(1000)).toBe(10) // 1.25 MB in 1 s = 10 Mbps
    expect(meter.sample(2000)).toBeNull() // counters went backwards
    expect(meter.sample(3000)).toBeNull() // no reading
  })
})
