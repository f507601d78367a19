#!/usr/bin/env node
console.log("ociauth bench: nothing to measure yet (the benchmarks land with the bench issue).")
