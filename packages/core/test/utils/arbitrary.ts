/**
 * The few generators the property tests and the fuzz targets need that Effect 4's
 * `Arbitrary` (Schema-derived, with its own runner and shrinking) does not name:
 * picks from a list, weighted choices, strings over a unit, optional-key records.
 * Everything is built from `Arbitrary.schema`, `map`, `flatMap`, `array` and `all`.
 */
import { Arbitrary, Schema } from "effect"

export type Arb<A> = Arbitrary.Arbitrary<A>

/** An integer in [min, max] (by default the 32-bit signed range). */
export const integer = (options: { readonly min?: number; readonly max?: number } = {}): Arb<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: options.min ?? -0x80000000, maximum: options.max ?? 0x7fffffff })))

/** Any number, NaN, the infinities and -0 included. */
export const double = (): Arb<number> =>
  oneof(
    { weight: 6, arbitrary: Arbitrary.schema(Schema.Number) },
    { weight: 1, arbitrary: constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_VALUE, Number.MIN_VALUE) }
  )

export const boolean: Arb<boolean> = Arbitrary.schema(Schema.Boolean)

export const constant = <const A>(value: A): Arb<A> => Arbitrary.Constant(value)

/** One of the values (objects are handed out as they are, never copied). */
export const constantFrom = <const A extends ReadonlyArray<unknown>>(...values: A): Arb<A[number]> =>
  values.length === 1 ? Arbitrary.Constant(values[0]) : Arbitrary.map(integer({ min: 0, max: values.length - 1 }), (i) => values[i])

export interface Weighted<A> {
  readonly weight: number
  readonly arbitrary: Arb<A>
}

type ValueOf<C> = C extends Weighted<infer A> ? A : C extends Arb<infer A> ? A : never

/** One of the arbitraries, each chosen in proportion to its weight (1 when not weighted). */
export const oneof = <const Choices extends ReadonlyArray<Arb<any> | Weighted<any>>>(
  ...choices: Choices
): Arb<ValueOf<Choices[number]>> => {
  const weighted = choices.map((c): Weighted<ValueOf<Choices[number]>> => ("weight" in c ? c : { weight: 1, arbitrary: c }))
  const total = weighted.reduce((sum, c) => sum + c.weight, 0)
  return Arbitrary.flatMap(integer({ min: 0, max: total - 1 }), (k) => {
    for (const c of weighted) {
      if (k < c.weight) return c.arbitrary
      k -= c.weight
    }
    return weighted[weighted.length - 1]!.arbitrary
  })
}

export const array = <A>(item: Arb<A>, options: { readonly minLength?: number; readonly maxLength?: number } = {}): Arb<Array<A>> =>
  Arbitrary.array(item, { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 10 })

/** Arrays whose elements differ by `selector`. */
export const uniqueArray = <A>(
  item: Arb<A>,
  options: { readonly selector: (a: A) => unknown; readonly maxLength?: number }
): Arb<Array<A>> =>
  Arbitrary.map(array(item, { maxLength: options.maxLength ?? 10 }), (items) => {
    const seen = new Set<unknown>()
    return items.filter((a) => {
      const key = options.selector(a)
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  })

/** A sub-sequence of `values`, in their order. */
export const subarray = <A>(values: ReadonlyArray<A>): Arb<Array<A>> =>
  Arbitrary.map(Arbitrary.all(values.map(() => boolean)), (keep) => values.filter((_, k) => keep[k]))

export const tuple = <const Input extends ReadonlyArray<Arb<any>>>(...arbitraries: Input) => Arbitrary.all(arbitraries)

/** Any code point, as fast-check's "binary" unit (lone surrogates included). */
export const binaryUnit: Arb<string> = Arbitrary.map(integer({ min: 0, max: 0x10ffff }), (code) => String.fromCodePoint(code))

/**
 * A string of at most `maxLength` units: printable ASCII (and Schema's edge cases) by default,
 * any code point for "binary", or the given unit.
 */
export const string = (
  options: { readonly unit?: Arb<string> | "binary"; readonly minLength?: number; readonly maxLength?: number } = {}
): Arb<string> =>
  options.unit === undefined
    ? Arbitrary.schema(Schema.String.check(Schema.isBetweenLength(options.minLength ?? 0, options.maxLength ?? 10)))
    : Arbitrary.map(
      array(options.unit === "binary" ? binaryUnit : options.unit, { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 10 }),
      (parts) => parts.join("")
    )

/** Strings matching `pattern` (Schema generates them from the pattern). */
export const stringMatching = (pattern: RegExp): Arb<string> => Arbitrary.schema(Schema.String.check(Schema.isPattern(pattern)))

/** A record whose every key may be absent. */
export const partialRecord = <const Fields extends Record<string, Arb<any>>>(
  fields: Fields
): Arb<{ [K in keyof Fields]?: Fields[K] extends Arb<infer A> ? A : never }> =>
  Arbitrary.map(
    Arbitrary.all(Object.fromEntries(Object.entries(fields).map(([k, arb]) => [k, tuple(boolean, arb)])) as Record<string, Arb<readonly [boolean, unknown]>>),
    (entries) => Object.fromEntries(Object.entries(entries).flatMap(([k, [present, value]]) => (present ? [[k, value]] : []))) as never
  )

/** A record with every key present. */
export const record = <const Fields extends Record<string, Arb<any>>>(fields: Fields) => Arbitrary.all(fields)

/** JSON values (null, booleans, finite numbers, strings, arrays and objects) nested at most `maxDepth` deep. */
export const jsonValue = (options: { readonly maxDepth: number }): Arb<unknown> => {
  const leaf: Arb<unknown> = oneof(
    constant(null),
    boolean,
    integer(),
    Arbitrary.schema(Schema.Finite),
    string({ maxLength: 12 })
  )
  const at = (depth: number): Arb<unknown> =>
    depth <= 0
      ? leaf
      : oneof(
        { weight: 3, arbitrary: leaf },
        { weight: 1, arbitrary: array(at(depth - 1), { maxLength: 4 }) },
        {
          weight: 1,
          arbitrary: Arbitrary.map(array(tuple(string({ maxLength: 8 }), at(depth - 1)), { maxLength: 4 }), (entries) =>
            // as JSON.parse builds objects: every key (`__proto__` too) an own property
            entries.reduce<Record<string, unknown>>((object, [k, v]) => {
              Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true })
              return object
            }, {}))
        }
      )
  return at(options.maxDepth)
}

/** Dates between `min` and `max`, and now and then an invalid one. */
export const date = (options: { readonly min: Date; readonly max: Date }): Arb<Date> =>
  oneof(
    { weight: 20, arbitrary: Arbitrary.map(integer({ min: options.min.getTime(), max: options.max.getTime() }), (t) => new Date(t)) },
    { weight: 1, arbitrary: Arbitrary.map(constant(Number.NaN), (t) => new Date(t)) }
  )
