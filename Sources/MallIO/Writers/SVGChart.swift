// SVGChart: the dashboard's charts as inline SVG, drawn here (no script, no library, nothing
// fetched): a line chart of amounts over dates and a horizontal bar chart. Values are
// integers (amounts in fen); positions are computed with integer arithmetic, so the same
// figures always draw the same bytes. Every text passes through `HTML.escape`.

/// Inline SVG charts and the number formats the dashboard shows.
public enum SVGChart {
    /// One line of a line chart.
    public struct Series: Sendable {
        public let name: String
        /// CSS colour (a constant of ours, never data).
        public let color: String
        public let values: [Int64]
        public init(name: String, color: String, values: [Int64]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    /// Texts around a chart.
    public struct Labels: Sendable {
        public let title: String
        public let xAxis: String
        public let yAxis: String
        public init(title: String, xAxis: String, yAxis: String) {
            self.title = title
            self.xAxis = xAxis
            self.yAxis = yAxis
        }
    }

    static let width = 760
    static let height = 320
    static let left = 96
    static let right = 24
    static let top = 48
    static let bottom = 64
    /// Date labels under the x axis at most.
    static let xLabelsMax = 10
    /// Gridlines (ticks) above the lowest one.
    static let tickSteps: Int64 = 4

    /// A line chart of `series` (amounts in fen) over `xLabels`, with a y axis in whole units.
    public static func line(_ labels: Labels, xLabels: [String], series: [Series]) -> String {
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.values)
        let scale = Scale(low: all.min() ?? 0, high: all.max() ?? 0)
        var svg = open(labels, width: width, height: height)
        svg += scale.gridlines(left: left, top: top, width: plotWidth, height: plotHeight, horizontal: true)
        let count = xLabels.count
        func x(_ index: Int) -> Int { count <= 1 ? left + plotWidth / 2 : left + index * plotWidth / (count - 1) }
        let every = max(1, (count + xLabelsMax - 1) / xLabelsMax)
        for (index, label) in xLabels.enumerated() where index % every == 0 || index == count - 1 {
            svg += "<text x=\"\(x(index))\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\" class=\"tick\">\(HTML.escape(label))</text>"
        }
        for item in series where !item.values.isEmpty {
            let points = item.values.enumerated().map { "\(x($0.offset)),\(top + scale.offset($0.element, height: plotHeight))" }
            svg += "<polyline fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            if item.values.count <= 62 {
                for (index, value) in item.values.enumerated() {
                    svg += "<circle cx=\"\(x(index))\" cy=\"\(top + scale.offset(value, height: plotHeight))\" r=\"2.5\" fill=\"\(item.color)\"/>"
                }
            }
        }
        // The legend, top right.
        var legendX = width - right
        for item in series.reversed() {
            let textWidth = 8 * item.name.count + 8
            legendX -= textWidth + 18
            svg += "<rect x=\"\(legendX)\" y=\"\(top - 22)\" width=\"12\" height=\"4\" fill=\"\(item.color)\"/>"
            svg += "<text x=\"\(legendX + 16)\" y=\"\(top - 16)\" class=\"legend\">\(HTML.escape(item.name))</text>"
        }
        svg += axes(labels, plotWidth: plotWidth, plotHeight: plotHeight)
        return svg + "</svg>"
    }

    /// A horizontal bar chart: one bar per label (top to bottom), values in fen.
    public static func bars(_ labels: Labels, names: [String], values: [Int64], color: String) -> String {
        let barHeight = 18, gap = 6
        let chartLeft = 200
        let plotWidth = width - chartLeft - right - 72
        let plotHeight = max(1, names.count) * (barHeight + gap)
        let totalHeight = top + plotHeight + bottom
        let scale = Scale(low: values.min() ?? 0, high: values.max() ?? 0)
        var svg = open(labels, width: width, height: totalHeight)
        svg += scale.gridlines(left: chartLeft, top: top, width: plotWidth, height: plotHeight, horizontal: false)
        let zero = chartLeft + scale.position(0, length: plotWidth)
        for (index, name) in names.enumerated() {
            let value = index < values.count ? values[index] : 0
            let y = top + index * (barHeight + gap) + gap / 2
            let end = chartLeft + scale.position(value, length: plotWidth)
            let (start, length) = end >= zero ? (zero, end - zero) : (end, zero - end)
            let shown = name.count > 26 ? String(name.prefix(25)) + "…" : name
            svg += "<text x=\"\(chartLeft - 6)\" y=\"\(y + 13)\" text-anchor=\"end\" class=\"tick\">\(HTML.escape(shown))</text>"
            svg += "<rect x=\"\(start)\" y=\"\(y)\" width=\"\(max(length, 1))\" height=\"\(barHeight)\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(max(start + length, zero) + 4)\" y=\"\(y + 13)\" class=\"value\">\(groupedMoney(value))</text>"
        }
        svg += "<line x1=\"\(zero)\" y1=\"\(top)\" x2=\"\(zero)\" y2=\"\(top + plotHeight)\" class=\"axis\"/>"
        svg += "<text x=\"\(chartLeft + plotWidth / 2)\" y=\"\(top + plotHeight + 44)\" text-anchor=\"middle\" class=\"axis-label\">\(HTML.escape(labels.xAxis))</text>"
        svg += "<text x=\"14\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" class=\"axis-label\" transform=\"rotate(-90 14 \(top + plotHeight / 2))\">\(HTML.escape(labels.yAxis))</text>"
        return svg + "</svg>"
    }

    private static func open(_ labels: Labels, width: Int, height: Int) -> String {
        "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(HTML.escape(labels.title))\">"
            + "<title>\(HTML.escape(labels.title))</title>"
            + "<text x=\"\(width / 2)\" y=\"18\" text-anchor=\"middle\" class=\"chart-title\">\(HTML.escape(labels.title))</text>"
    }

    private static func axes(_ labels: Labels, plotWidth: Int, plotHeight: Int) -> String {
        "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" class=\"axis\"/>"
            + "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" class=\"axis\"/>"
            + "<text x=\"\(left + plotWidth / 2)\" y=\"\(top + plotHeight + 44)\" text-anchor=\"middle\" class=\"axis-label\">\(HTML.escape(labels.xAxis))</text>"
            + "<text x=\"16\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" class=\"axis-label\" transform=\"rotate(-90 16 \(top + plotHeight / 2))\">\(HTML.escape(labels.yAxis))</text>"
    }

    /// A value axis from a round low to a round high in `tickSteps` equal steps of 1, 2 or 5
    /// times a power of ten whole units (fen × 100).
    struct Scale {
        let low: Int64
        let high: Int64
        let step: Int64

        init(low rawLow: Int64, high rawHigh: Int64) {
            let low = min(rawLow, 0), high = max(rawHigh, 0)
            let span = max(high - low, 1)
            var step: Int64 = 100
            while step < Int64.max / 100 {
                if step * SVGChart.tickSteps >= span { break }
                if step * 2 * SVGChart.tickSteps >= span { step *= 2; break }
                if step * 5 * SVGChart.tickSteps >= span { step *= 5; break }
                step *= 10
            }
            let lowTicks = low < 0 ? (-low + step - 1) / step : 0
            self.low = -lowTicks * step
            self.high = self.low + max(SVGChart.tickSteps, lowTicks + (high + step - 1) / step) * step
            self.step = step
        }

        /// Distance from the low end, in pixels of `length`.
        func position(_ value: Int64, length: Int) -> Int {
            Int(Int128(value - low) * Int128(length) / Int128(max(high - low, 1)))
        }

        /// Distance from the top of a vertical axis of `height` pixels.
        func offset(_ value: Int64, height: Int) -> Int { height - position(value, length: height) }

        func gridlines(left: Int, top: Int, width: Int, height: Int, horizontal: Bool) -> String {
            var svg = ""
            var value = low
            while value <= high {
                let label = groupedWhole(value)
                if horizontal {
                    let y = top + offset(value, height: height)
                    svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + width)\" y2=\"\(y)\" class=\"grid\"/>"
                    svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"tick\">\(label)</text>"
                } else {
                    let x = left + position(value, length: width)
                    svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + height)\" class=\"grid\"/>"
                    svg += "<text x=\"\(x)\" y=\"\(top + height + 18)\" text-anchor=\"middle\" class=\"tick\">\(label)</text>"
                }
                value += step
            }
            return svg
        }
    }

    // MARK: Numbers for people

    /// An amount in fen with thousands grouped: `-1,234,567.80`.
    public static func groupedMoney(_ fen: Int64) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + grouped(magnitude / 100) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    /// An amount in fen as whole units, thousands grouped (axis ticks are whole units).
    static func groupedWhole(_ fen: Int64) -> String {
        (fen < 0 ? "-" : "") + grouped(fen.magnitude / 100)
    }

    /// A count with thousands grouped: `12,345`.
    public static func groupedCount(_ value: Int64) -> String {
        (value < 0 ? "-" : "") + grouped(value.magnitude)
    }

    /// A plain decimal (`-1234.50`, `12`) with its whole part grouped (`-1,234.50`, `12`).
    public static func groupedDecimal(_ plain: String) -> String {
        var text = Substring(plain)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        let point = text.firstIndex(of: ".") ?? text.endIndex
        guard let whole = UInt64(text[..<point]) else { return plain }
        return (negative ? "-" : "") + grouped(whole) + text[point...]
    }

    private static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
