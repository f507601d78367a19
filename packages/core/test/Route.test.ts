import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as Route from "@ociauth/core/Route"

describe("Route", () => {
  const cases: ReadonlyArray<readonly [string, Route.Route | undefined]> = [
    ["/v2/", Route.Base({ prefix: "" })],
    ["/v2", Route.Base({ prefix: "" })],
    ["/v2/_catalog", Route.Catalog({ prefix: "" })],
    ["/v2/a/b/manifests/latest", Route.Manifest({ prefix: "", name: "a/b", reference: "latest" })],
    ["/v2/a/blobs/sha256:ab", Route.Blob({ prefix: "", name: "a", digest: "sha256:ab" })],
    ["/v2/a/blobs/uploads/", Route.Upload({ prefix: "", name: "a", id: "" })],
    ["/v2/a/blobs/uploads", Route.Upload({ prefix: "", name: "a", id: "" })],
    ["/v2/a/blobs/uploads/u-1", Route.Upload({ prefix: "", name: "a", id: "u-1" })],
    ["/v2/a/tags/list", Route.Tags({ prefix: "", name: "a" })],
    ["/v2/a/referrers/sha256:ab", Route.Referrers({ prefix: "", name: "a", digest: "sha256:ab" })],
    ["/artifactory/api/docker/r/v2/a/manifests/1", Route.Manifest({ prefix: "/artifactory/api/docker/r", name: "a", reference: "1" })],
    ["/", undefined],
    ["/v2/a//manifests/1", undefined],
    ["/v2/manifests/1", undefined],
    ["/v2/a/unknown", undefined]
  ]
  for (const [path, expected] of cases) {
    it(path, () => assert.deepStrictEqual(Option.getOrUndefined(Route.parse(path)), expected))
  }

  it("format inverts parse and withRepository rewrites the name", () => {
    for (const [path, expected] of cases) {
      if (expected === undefined || path === "/v2" || path === "/v2/a/blobs/uploads") continue
      assert.strictEqual(Route.format(expected), path)
    }
    const route = Option.getOrThrow(Route.parse("/v2/alpine/manifests/latest"))
    assert.strictEqual(Route.format(Route.withRepository(route, "library/alpine")), "/v2/library/alpine/manifests/latest")
    assert.strictEqual(Route.repository(Route.Catalog({ prefix: "" })), undefined)
  })
})
