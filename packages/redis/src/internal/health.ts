import type { Redis } from "ioredis"

/**
 * What the stores of one connection know of it, shared by every store built on
 * the same ioredis client (kept beside the client, not in it).
 *
 * - `down`: the connection closed (refused, reset, Redis stopped) and has not
 *   been ready since. ioredis reconnects on its own (`retryStrategy`); its
 *   `ready` clears this.
 * - `silent`: a command went unanswered for its whole timeout on a connection
 *   that looks open (a server that accepts and never answers). One `PING` goes
 *   out; its answer, or the connection's next `ready`, clears this.
 *
 * While either holds, commands are not sent: the stores answer at once (a miss,
 * a dropped write, a limiter that steps aside).
 */
interface State {
  down: boolean
  silent: boolean
  probing: boolean
}

const states = new WeakMap<Redis, State>()

/** Statuses in which ioredis itself knows that nothing can be sent. */
const closed = new Set(["close", "reconnecting", "end"])

const stateOf = (redis: Redis): State => {
  let state = states.get(redis)
  if (state === undefined) {
    const created: State = { down: closed.has(redis.status), silent: false, probing: false }
    redis.on("close", () => (created.down = true))
    redis.on("ready", () => {
      created.down = false
      created.silent = false
    })
    states.set(redis, created)
    state = created
  }
  return state
}

/** Sends one `PING` unless one is on its way: any answer means Redis answers again. */
const probe = (redis: Redis, state: State): void => {
  if (state.probing) return
  state.probing = true
  redis.ping().then(
    () => {
      state.probing = false
      state.silent = false
    },
    () => (state.probing = false)
  )
}

/**
 * Whether a command may be sent now: `false` while the connection is known to
 * be closed or silent (a silent one is then probed).
 */
export const usable = (redis: Redis): boolean => {
  const state = stateOf(redis)
  if (closed.has(redis.status)) return false
  if (state.silent) {
    probe(redis, state)
    return false
  }
  // "connecting" after a failure is down too; before the first failure, a command waits for the connection.
  return redis.status === "ready" || !state.down
}

/** A command on this connection went unanswered for its whole timeout. */
export const markSilent = (redis: Redis): void => {
  const state = stateOf(redis)
  if (state.silent) return
  state.silent = true
  probe(redis, state)
}
