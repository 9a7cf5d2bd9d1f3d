/**
 * The training domain: YOLO-style training jobs run by the AI service over RabbitMQ
 * (spec-training.md). WARP Host publishes job requests, ingests epoch updates and results, keeps
 * every job's history in its own database and shows it live. `training.changed` pushes what
 * changed (job summaries and the epochs stored since the last push, batched), so the Training page
 * charts stream without polling.
 *
 * Also the wire shapes of the AI service's messages (`TrainingRequestSchema`,
 * `EpochUpdateSchema`, `TrainingCompletedSchema`, `TrainingFailedSchema`): the service parses
 * incoming messages with them, the submit form validates with the request's input schema.
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { TRAINING_EVENTS, TRAINING_METHODS } from './names'

// ---- wire messages (AI service ↔ backend) --------------------------------------------------------

const wireId = z.string().trim().min(1, 'must not be empty').max(128)
/** A metric value as the trainer sends it (NaN/Infinity arrive as null in JSON). */
const metricValue = z.number().nullable()
export const MetricsSchema = z.record(z.string().max(128), metricValue)
export type Metrics = z.infer<typeof MetricsSchema>

/** Dataset, output and hyperparameters of a job: the submit form's fields, every key of the seed's request. */
export const TrainingJobSpecSchema = z.object({
  dataset: z.object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(128)
      .regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only'),
    s3_prefix: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(512)
      .regex(/^[^\s]+\/$/, 'a prefix without spaces ending with "/", e.g. datasets/my-dataset/')
  }),
  output: z.object({
    prefix: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(512)
      .regex(/^[^\s]+$/, 'must not contain spaces'),
    model_name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(128)
      .regex(/^[\w.-]+\.pt$/, 'a file name ending with .pt, e.g. my-dataset.pt')
  }),
  hyperparams: z.object({
    model: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(64)
      .regex(/^[\w.-]+$/, 'a model name such as yolov8n'),
    epochs: z.number().int('must be a whole number').min(1).max(10_000),
    batch: z.number().int('must be a whole number').min(1).max(1024),
    imgsz: z
      .number()
      .int('must be a whole number')
      .min(32)
      .max(4096)
      .refine((v) => v % 32 === 0, 'must be a multiple of 32')
  })
})
export type TrainingJobSpec = z.infer<typeof TrainingJobSpecSchema>

/** A request as published on the request queue (backend → AI). */
export const TrainingRequestSchema = TrainingJobSpecSchema.extend({ job_id: wireId })
export type TrainingRequest = z.infer<typeof TrainingRequestSchema>

const timestamp = z.string().max(64).optional()

export const EpochUpdateSchema = z.object({
  type: z.literal('epoch_update'),
  job_id: wireId,
  status: z.string().max(32).optional(),
  current_epoch: z.number().int().nonnegative(),
  total_epochs: z.number().int().positive().optional(),
  progress: z.number().optional(),
  metrics: MetricsSchema.default({}),
  timestamp
})
export type EpochUpdate = z.infer<typeof EpochUpdateSchema>

export const TrainingCompletedSchema = z.object({
  type: z.literal('training_completed'),
  job_id: wireId,
  status: z.string().max(32).optional(),
  progress: z.number().optional(),
  model_path: z.string().max(1024).nullable().optional(),
  final_metrics: MetricsSchema.default({}),
  training_time: z.number().nullable().optional(),
  timestamp
})
export type TrainingCompleted = z.infer<typeof TrainingCompletedSchema>

export const TrainingFailedSchema = z.object({
  type: z.literal('training_failed'),
  job_id: wireId,
  status: z.string().max(32).optional(),
  current_epoch: z.number().int().nonnegative().nullable().optional(),
  error_message: z.string().max(10_000).default(''),
  partial_metrics: MetricsSchema.default({}),
  timestamp
})
export type TrainingFailed = z.infer<typeof TrainingFailedSchema>

export const TrainingMessageSchema = z.discriminatedUnion('type', [EpochUpdateSchema, TrainingCompletedSchema, TrainingFailedSchema])
export type TrainingMessage = z.infer<typeof TrainingMessageSchema>

// ---- what the dashboard sees ---------------------------------------------------------------------

export const TRAINING_JOB_STATUSES = ['submitted', 'running', 'completed', 'failed'] as const
export const TrainingJobStatusSchema = z.enum(TRAINING_JOB_STATUSES)
export type TrainingJobStatus = z.infer<typeof TrainingJobStatusSchema>

export const BROKER_STATES = ['disabled', 'connecting', 'connected', 'reconnecting', 'error'] as const
export const BrokerStateSchema = z.enum(BROKER_STATES)
export type BrokerState = z.infer<typeof BrokerStateSchema>

export const TrainingJobSummarySchema = z.object({
  jobId: z.string(),
  status: TrainingJobStatusSchema,
  /** Submitted by this WARP Host, or seen only through its updates (another backend submitted it). */
  origin: z.enum(['local', 'external']),
  datasetName: z.string().nullable(),
  model: z.string().nullable(),
  currentEpoch: z.number().int().nonnegative(),
  totalEpochs: z.number().int().nonnegative().nullable(),
  /** Epoch updates stored. */
  epochsStored: z.number().int().nonnegative(),
  progress: z.number(),
  /** ISO times (null when unknown). */
  submittedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Seconds to go at the epoch rate seen so far (null when unknown or finished). */
  etaSeconds: z.number().nonnegative().nullable(),
  /** Seconds per epoch seen so far (null with fewer than two epochs). */
  secondsPerEpoch: z.number().nonnegative().nullable(),
  /** Latest epoch's metrics. */
  lastMetrics: MetricsSchema,
  modelPath: z.string().nullable(),
  finalMetrics: MetricsSchema.nullable(),
  trainingTimeSeconds: z.number().nullable(),
  errorMessage: z.string().nullable(),
  partialMetrics: MetricsSchema.nullable()
})
export type TrainingJobSummary = z.infer<typeof TrainingJobSummarySchema>

export const TrainingEpochSchema = z.object({
  jobId: z.string(),
  epoch: z.number().int().nonnegative(),
  totalEpochs: z.number().int().nonnegative().nullable(),
  progress: z.number().nullable(),
  metrics: MetricsSchema,
  /** ISO time of the update (its timestamp, UTC when it had no zone). */
  at: z.string()
})
export type TrainingEpoch = z.infer<typeof TrainingEpochSchema>

export const TrainingJobDetailSchema = TrainingJobSummarySchema.extend({
  /** The request as published (null for a job submitted elsewhere). */
  request: TrainingRequestSchema.nullable(),
  /** Every epoch stored, in epoch order. */
  epochs: z.array(TrainingEpochSchema)
})
export type TrainingJobDetail = z.infer<typeof TrainingJobDetailSchema>

export const TrainingInfoSchema = z.object({
  /** ENABLE_RABBITMQ. */
  enabled: z.boolean(),
  broker: BrokerStateSchema,
  /** Why the broker is not connected (last error). */
  error: z.string().nullable(),
  /** amqp(s)://user@host:port/vhost, without the password. */
  url: z.string().nullable(),
  queues: z.object({ request: z.string(), update: z.string(), result: z.string(), deadLetter: z.string().nullable() }),
  /** Configuration warnings (guest/guest on a non-local host, a queue without a DLX …). */
  warnings: z.array(z.string()),
  counts: z.object({
    jobs: z.number().int().nonnegative(),
    running: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    submitted: z.number().int().nonnegative()
  }),
  /** Messages handled since the service started. */
  stats: z.object({
    received: z.number().int().nonnegative(),
    stored: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    reconnects: z.number().int().nonnegative()
  }),
  at: z.string()
})
export type TrainingInfo = z.infer<typeof TrainingInfoSchema>

export const TrainingJobsInputSchema = z
  .object({
    status: TrainingJobStatusSchema.optional(),
    limit: z.number().int().min(1).max(1000).default(200)
  })
  .default({ limit: 200 })

export const TrainingJobInputSchema = z.object({
  jobId: z.string().trim().min(1, 'must not be empty').max(128),
  /** Only epochs after this one (a page catching up). */
  afterEpoch: z.number().int().min(-1).optional()
})

export const TrainingChangedSchema = z.object({
  /** Present when the broker state or the counts changed. */
  info: TrainingInfoSchema.optional(),
  /** Jobs that changed since the last push. */
  jobs: z.array(TrainingJobSummarySchema),
  /** Epochs stored since the last push (new ones only). */
  epochs: z.array(TrainingEpochSchema),
  /** Too much for one push: some epochs were left out, load the jobs again. */
  truncated: z.boolean(),
  at: z.string()
})
export type TrainingChanged = z.infer<typeof TrainingChangedSchema>

export const trainingMethods = {
  'training.info': method(NoInput, TrainingInfoSchema, 'Broker connection state, queues, warnings and job counts'),
  'training.jobs': method(TrainingJobsInputSchema, z.object({ jobs: z.array(TrainingJobSummarySchema) }), 'Training jobs, newest first'),
  'training.job': method(TrainingJobInputSchema, TrainingJobDetailSchema, 'One job with its request and every epoch stored; not_found for an unknown id'),
  'training.submit': method(
    TrainingJobSpecSchema,
    z.object({ job: TrainingJobSummarySchema, request: TrainingRequestSchema }),
    'Publishes a training request (persistent, confirmed by the broker) and answers with the job as it stands then (a trainer already consuming may have moved it on); unavailable without a broker connection'
  )
} as const satisfies MethodTableOf<typeof TRAINING_METHODS>

export const trainingEvents = {
  /** Changed jobs and new epochs, batched (at most every 100 ms). */
  'training.changed': TrainingChangedSchema
} as const satisfies EventTableOf<typeof TRAINING_EVENTS>
