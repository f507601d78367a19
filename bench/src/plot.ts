/**
 * The report's figure: one horizontal bar chart per section that has a plot
 * (requests per repository, warm CPU per request, …), stacked in one SVG
 * written next to `latest.md`. Plain SVG text, no dependency.
 */

export interface Plot {
  readonly title: string
  readonly unit: string
  readonly bars: ReadonlyArray<{ readonly label: string; readonly value: number; readonly kind?: "ociauth" | "peer" | "limit" }>
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const colours = { ociauth: "#2f6fdf", peer: "#999999", limit: "#2a9d5c" } as const

/** An SVG document with one panel per plot. */
export const svg = (plots: ReadonlyArray<Plot>): string => {
  const width = 760
  const labelWidth = 330
  const barHeight = 18
  const gap = 6
  const chart = width - labelWidth - 90
  const parts: Array<string> = []
  let y = 10
  for (const plot of plots) {
    y += 22
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(plot.title)}</text>`)
    y += 10
    const max = Math.max(...plot.bars.map((b) => b.value), Number.MIN_VALUE)
    for (const bar of plot.bars) {
      const length = Math.max(1, (bar.value / max) * chart)
      const colour = colours[bar.kind ?? "ociauth"]
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + barHeight - 5}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + barHeight - 5}">${escape(`${format(bar.value)} ${plot.unit}`)}</text>`
      )
      y += barHeight + gap
    }
  }
  y += 26
  const legend = Object.entries(colours).map(
    ([kind, colour], i) => `<rect x="${10 + i * 110}" y="${y - 12}" width="12" height="12" fill="${colour}"/><text x="${28 + i * 110}" y="${y - 2}">${kind}</text>`
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    ...legend,
    `</svg>`,
    ""
  ].join("\n")
}

const format = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1))
