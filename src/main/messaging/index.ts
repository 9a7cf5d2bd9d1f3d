/** The typed message layer (spec-messaging.md): envelope, endpoint, stores. Transport-agnostic. */
export * from './envelope'
export * from './endpoint'
