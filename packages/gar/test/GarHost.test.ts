import { assert, describe, it } from "@effect/vitest"
import { GarHost } from "@ociauth/gar"
import { Option } from "effect"

describe("GarHost.parse", () => {
  it("Artifact Registry locations, regional endpoints and the gcr.io family, any case", () => {
    assert.deepStrictEqual(Option.getOrUndefined(GarHost.parse("us-central1-docker.pkg.dev")), { kind: "artifactRegistry", location: Option.some("us-central1") })
    assert.deepStrictEqual(Option.getOrUndefined(GarHost.parse("Europe-Docker.PKG.dev")), { kind: "artifactRegistry", location: Option.some("europe") })
    assert.deepStrictEqual(Option.getOrUndefined(GarHost.parse("docker.me-central2.rep.pkg.dev")), { kind: "regional", location: Option.some("me-central2") })
    for (const host of ["gcr.io", "us.gcr.io", "EU.GCR.IO", "asia.gcr.io", "marketplace.gcr.io", "northamerica-northeast1-docker.pkg.dev", "asia-southeast1-docker.pkg.dev"]) {
      assert.isTrue(GarHost.isGarHost(host), host)
    }
  })

  it("anything else is not Google's", () => {
    for (const host of [
      "pkg.dev", "docker.pkg.dev", "-docker.pkg.dev", "xus-central1-docker.pkg.dev", "evil-us-central1-docker.pkg.dev", "us-central1-maven.pkg.dev",
      "us-central1-docker.pkg.dev:443", "us-central1-docker.pkg.dev.evil.example", "docker.evil.rep.pkg.dev", "docker.us-central1.rep.pkg.dev.evil",
      "xgcr.io", "evil-gcr.io", "gcr.io.evil.example", "k8s.gcr.io", "mirror.gcr.io", "storage.googleapis.com", ""
    ]) assert.isFalse(GarHost.isGarHost(host), host)
  })
})
