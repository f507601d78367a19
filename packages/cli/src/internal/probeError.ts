import * as Schema from "effect/Schema"
export class ProbeError extends Schema.TaggedError<ProbeError>("@ociauth/cli/ProbeError")("ProbeError", {
  reason: Schema.Literals(["Network", "Usage"]),
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}
