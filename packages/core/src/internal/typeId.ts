/** The mark every registry error carries (`RegistryError.isRegistryError` reads it). */
export const TypeId: unique symbol = Symbol.for("@ociauth/core/RegistryError")

export type TypeId = typeof TypeId
