/**
 * One RabbitMQ connection (amqplib) for the training service: the URL from the `training` config
 * (amqp or amqps), a `connection_name` client property (so `rabbitmqctl list_connections` shows
 * which app it is), the queues declared durable — the update and result queues with a dead-letter
 * exchange for rejected messages — a consuming channel with manual acknowledgement and a prefetch,
 * and a confirm channel for persistent publishes.
 *
 * A queue that already exists with other arguments (declared by the AI service without a DLX) is
 * used as it is, with a warning: declaring it again with different arguments would fail.
 * `onLost` is called once when the connection or a channel closes unexpectedly; the service
 * reconnects with a new BrokerConnection.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib'
import type { Config } from '../../shared/config-schema'

export type TrainingConfig = Config['training']

/** amqp(s)://user@host:port/vhost without the password (for the UI and logs). */
export function brokerUrl(c: TrainingConfig, withPassword = false): string {
  const auth = `${encodeURIComponent(c.user)}${withPassword ? `:${encodeURIComponent(c.password)}` : ''}@`
  const host = c.host.includes(':') && !c.host.startsWith('[') ? `[${c.host}]` : c.host
  return `${c.ssl ? 'amqps' : 'amqp'}://${auth}${host}:${c.port}/${encodeURIComponent(c.vhost)}`
}

export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host)
}

export interface BrokerHandlers {
  /** A delivery on the update or result queue. */
  onMessage(msg: ConsumeMessage, queue: 'update' | 'result'): void
  /** The connection or a channel went away (not by close()). */
  onLost(reason: string): void
  onWarning(text: string): void
}

export interface BrokerOptions {
  config: TrainingConfig
  /** Shown by `rabbitmqctl list_connections name client_properties`. */
  connectionName: string
  /** Socket connect timeout (ms). */
  connectTimeoutMs?: number
  heartbeatSeconds?: number
}

export class BrokerConnection {
  private model: ChannelModel | null = null
  private consumeCh: Channel | null = null
  private publishCh: ConfirmChannel | null = null
  private closing = false
  private lost = false
  /** Queues declared without our DLX arguments (they existed already). */
  readonly withoutDlx: string[] = []

  constructor(
    private readonly o: BrokerOptions,
    private readonly h: BrokerHandlers
  ) {}

  get open(): boolean {
    return this.model !== null && !this.lost && !this.closing
  }

  async connect(): Promise<void> {
    const c = this.o.config
    const model = await amqp.connect(
      { protocol: c.ssl ? 'amqps' : 'amqp', hostname: c.host, port: c.port, username: c.user, password: c.password, vhost: c.vhost, heartbeat: this.o.heartbeatSeconds ?? 15 },
      { timeout: this.o.connectTimeoutMs ?? 5000, clientProperties: { connection_name: this.o.connectionName }, servername: c.ssl ? c.host : undefined }
    )
    this.model = model
    model.on('error', () => undefined) // 'close' follows with the reason
    model.on('close', (err?: Error) => this.loseOnce(err ? err.message : 'connection closed'))
    try {
      const setup = await model.createChannel()
      setup.on('error', () => undefined)
      await this.declare(model, setup)
      await setup.close().catch(() => undefined)
      const consume = await model.createChannel()
      consume.on('error', () => undefined)
      consume.on('close', () => this.loseSoon('consuming channel closed'))
      await consume.prefetch(c.prefetch)
      this.consumeCh = consume
      const publish = await model.createConfirmChannel()
      publish.on('error', () => undefined)
      publish.on('close', () => this.loseSoon('publishing channel closed'))
      this.publishCh = publish
      await consume.consume(c.update_queue, (m) => (m ? this.h.onMessage(m, 'update') : this.loseOnce('update consumer cancelled by the broker')), { noAck: false })
      await consume.consume(c.result_queue, (m) => (m ? this.h.onMessage(m, 'result') : this.loseOnce('result consumer cancelled by the broker')), { noAck: false })
    } catch (err) {
      this.closing = true
      await model.close().catch(() => undefined)
      throw err
    }
  }

  /** Exchanges and queues; a queue that exists with other arguments is taken as it is. */
  private async declare(model: ChannelModel, first: Channel): Promise<void> {
    const c = this.o.config
    let ch = first
    const dlx = c.dead_letter_exchange
    if (dlx !== '') {
      await ch.assertExchange(dlx, 'fanout', { durable: true })
      await ch.assertQueue(c.dead_letter_queue, { durable: true })
      await ch.bindQueue(c.dead_letter_queue, dlx, '')
    }
    const queues: [string, boolean][] = [
      [c.request_queue, false],
      [c.update_queue, true],
      [c.result_queue, true]
    ]
    for (const [name, withDlx] of queues) {
      try {
        await ch.assertQueue(name, { durable: true, ...(withDlx && dlx !== '' ? { deadLetterExchange: dlx } : {}) })
      } catch (err) {
        // 406 PRECONDITION_FAILED: it exists with other arguments (and the channel is closed now).
        if (!/PRECONDITION_FAILED|406/.test(String((err as Error).message))) throw err
        ch = await model.createChannel()
        ch.on('error', () => undefined)
        await ch.checkQueue(name)
        if (withDlx) {
          this.withoutDlx.push(name)
          this.h.onWarning(`queue ${name} exists without the dead-letter exchange ${dlx}: rejected messages are dropped, not dead-lettered`)
        }
      }
    }
    if (ch !== first) await ch.close().catch(() => undefined)
  }

  /** A channel closed: when the connection closes too (in this turn), its reason is the better one. */
  private loseSoon(reason: string): void {
    setImmediate(() => this.loseOnce(reason))
  }

  private loseOnce(reason: string): void {
    if (this.closing || this.lost) return
    this.lost = true
    this.consumeCh = null
    this.publishCh = null
    const model = this.model
    // A channel closed but the connection lives: close it, the service builds a new one.
    model?.close().catch(() => undefined)
    this.h.onLost(reason)
  }

  /** Acknowledges every message up to `msg` (multiple) or just it; false when the channel is gone. */
  ack(msg: ConsumeMessage, multiple = false): boolean {
    const ch = this.consumeCh
    if (!ch || this.lost) return false
    try {
      ch.ack(msg, multiple)
      return true
    } catch {
      return false
    }
  }

  /** Rejects a message without requeue (dead-lettered where the queue has a DLX). */
  reject(msg: ConsumeMessage): boolean {
    const ch = this.consumeCh
    if (!ch || this.lost) return false
    try {
      ch.nack(msg, false, false)
      return true
    } catch {
      return false
    }
  }

  /** Hands a message back to the queue (a store failure: it is redelivered). */
  requeue(msg: ConsumeMessage): void {
    try {
      this.consumeCh?.nack(msg, false, true)
    } catch {
      // The channel is gone: the broker redelivers it anyway.
    }
  }

  /** A persistent publish, resolved when the broker confirmed it. */
  publish(queue: string, body: Buffer, messageId: string): Promise<void> {
    const ch = this.publishCh
    if (!ch || this.lost) return Promise.reject(new Error('not connected to RabbitMQ'))
    return new Promise<void>((resolve, reject) => {
      try {
        ch.sendToQueue(queue, body, { persistent: true, contentType: 'application/json', messageId, timestamp: Math.floor(Date.now() / 1000) }, (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error(`the broker refused the message (${String(err)})`)) : resolve()
        )
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    })
  }

  async close(): Promise<void> {
    this.closing = true
    const model = this.model
    this.model = null
    this.consumeCh = null
    this.publishCh = null
    if (model) await model.close().catch(() => undefined)
  }
}
