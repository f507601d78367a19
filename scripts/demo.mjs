#!/usr/bin/env node
console.log("ociauth demo: nothing to demo yet (the examples land with the Docker Hub / GHCR adapters issue).")
