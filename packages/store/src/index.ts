/**
 * @since 0.2.0
 */

/**
 * What a registry origin answered, as a Schema for shared stores.
 *
 * @since 0.2.0
 */
export * as ChallengeEntry from "./ChallengeEntry.js"

/**
 * A challenge store on files: discovery once per origin for every process of the user.
 *
 * @since 0.2.0
 */
export * as FileChallengeStore from "./FileChallengeStore.js"

/**
 * The folder and the atomic file `KeyValueStore` the file stores keep their entries in.
 *
 * @since 0.2.0
 */
export * as FileStore from "./FileStore.js"

/**
 * A token store on files: tokens shared by the processes of one machine.
 *
 * @since 0.2.0
 */
export * as FileTokenStore from "./FileTokenStore.js"

/**
 * The SHA-256 name a shared store keeps an entry under.
 *
 * @since 0.2.0
 */
export * as StoreKey from "./StoreKey.js"
