import { assert, describe, it } from "@effect/vitest"
import { Lru } from "@ociauth/core/Lru"

const order = <K, V>(lru: Lru<K, V>): Array<K> => [...lru.keys()]

describe("Lru", () => {
  it("a hit makes its key the most recently used; the least recently used goes first", () => {
    const lru = new Lru<string, number>(3)
    lru.set("a", 1).set("b", 2).set("c", 3)
    assert.strictEqual(lru.get("a"), 1)
    assert.deepStrictEqual(order(lru), ["b", "c", "a"])
    // A hit on the newest key changes nothing.
    assert.strictEqual(lru.get("a"), 1)
    assert.deepStrictEqual(order(lru), ["b", "c", "a"])
    lru.set("d", 4)
    assert.deepStrictEqual(order(lru), ["c", "a", "d"])
    assert.strictEqual(lru.get("b"), undefined)
  })

  it("keeps the order right after the newest key is deleted or the map cleared", () => {
    const lru = new Lru<string, number>(3)
    lru.set("a", 1).set("b", 2)
    lru.get("b")
    lru.delete("b")
    lru.set("b", 5)
    lru.get("a")
    assert.deepStrictEqual(order(lru), ["b", "a"])
    lru.clear()
    lru.set("x", 1).set("y", 2)
    lru.get("x")
    assert.deepStrictEqual(order(lru), ["y", "x"])
    lru.set("z", 3).set("w", 4)
    assert.deepStrictEqual(order(lru), ["x", "z", "w"])
  })

  it("getOrSet makes a value once and keeps it as the newest", () => {
    const lru = new Lru<string, number>(2)
    let made = 0
    assert.strictEqual(lru.getOrSet("a", () => ++made), 1)
    assert.strictEqual(lru.getOrSet("a", () => ++made), 1)
    lru.set("b", 2)
    lru.getOrSet("a", () => ++made)
    lru.set("c", 3)
    assert.deepStrictEqual(order(lru), ["a", "c"])
    assert.strictEqual(made, 1)
  })

  it("capacity 1 keeps the last key", () => {
    const lru = new Lru<string, number>(1)
    lru.set("a", 1)
    lru.get("a")
    lru.set("b", 2)
    assert.deepStrictEqual(order(lru), ["b"])
    assert.strictEqual(lru.get("a"), undefined)
  })
})
