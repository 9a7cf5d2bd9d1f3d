/**
 * The registry's credentials: the `X-API-Key` every protected route needs (compared in constant
 * time) and HS256 JWTs (jose) from `/auth/token`: an access token (claims sub, player_id, type
 * "access", iat, exp) and a refresh token (type "refresh", a `jti` kept in the store) that
 * `/auth/refresh` exchanges once for a new pair — the old one is revoked (rotation).
 */
import { randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import { SignJWT, jwtVerify, type JWTPayload } from 'jose'
import type { Clock } from '../clock'

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: 'Bearer'
  expires_in: number
}

export interface AccessClaims extends JWTPayload {
  sub: string
  player_id: string
  type: 'access' | 'refresh'
}

export interface TokenSettings {
  accessTtlSeconds: number
  refreshTtlSeconds: number
}

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = { accessTtlSeconds: 3600, refreshTtlSeconds: 7 * 24 * 3600 }

export class TokenIssuer {
  private readonly key: Uint8Array
  private readonly insert
  private readonly revoke
  private readonly find
  private readonly purge

  constructor(
    secret: string,
    db: Database.Database,
    private readonly clock: Clock,
    private readonly settings: TokenSettings = DEFAULT_TOKEN_SETTINGS
  ) {
    this.key = new TextEncoder().encode(secret)
    this.insert = db.prepare('INSERT INTO coord_refresh_tokens (jti, player_id, expires_at, created_at) VALUES (?, ?, ?, ?)')
    this.revoke = db.prepare('UPDATE coord_refresh_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL')
    this.find = db.prepare('SELECT player_id, expires_at, revoked_at FROM coord_refresh_tokens WHERE jti = ?')
    this.purge = db.prepare('DELETE FROM coord_refresh_tokens WHERE expires_at < ?')
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000)
  }

  private sign(claims: Record<string, unknown>, ttl: number): Promise<string> {
    const iat = this.nowSeconds()
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttl).sign(this.key)
  }

  async issue(playerId: string, userId?: string | number | null): Promise<TokenPair> {
    const jti = randomUUID()
    const extra = userId === undefined || userId === null ? {} : { user_id: String(userId) }
    const access = await this.sign({ sub: playerId, player_id: playerId, type: 'access', ...extra }, this.settings.accessTtlSeconds)
    const refresh = await this.sign({ sub: playerId, player_id: playerId, type: 'refresh', jti, ...extra }, this.settings.refreshTtlSeconds)
    this.insert.run(jti, playerId, (this.nowSeconds() + this.settings.refreshTtlSeconds) * 1000, this.clock.now())
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: this.settings.accessTtlSeconds }
  }

  /** Verifies a token of the given type; null when it is invalid, expired or of another type. */
  async verify(token: string, type: 'access' | 'refresh' = 'access'): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: new Date(this.clock.now()) })
      if (payload.type !== type || typeof payload.player_id !== 'string' || typeof payload.sub !== 'string') return null
      return payload as AccessClaims
    } catch {
      return null
    }
  }

  /** Exchanges a live, unused refresh token for a new pair (the old one is revoked); null when refused. */
  async refresh(token: string): Promise<TokenPair | null> {
    const claims = await this.verify(token, 'refresh')
    if (!claims || typeof claims.jti !== 'string') return null
    const row = this.find.get(claims.jti) as { player_id: string; expires_at: number; revoked_at: number | null } | undefined
    if (!row || row.revoked_at !== null || row.expires_at < this.clock.now()) return null
    if (this.revoke.run(this.clock.now(), claims.jti).changes === 0) return null
    this.purge.run(this.clock.now())
    return this.issue(row.player_id, typeof claims.user_id === 'string' ? claims.user_id : null)
  }
}
