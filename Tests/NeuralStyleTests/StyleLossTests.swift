import Imaging
import Models
import NeuralStyle
import Tensor
import XCTest

/// The Gatys loss conventions of docs/conventions.md, recomputed here from raw features in double precision.
final class StyleLossTests: XCTestCase {
    private func gram(_ f: [Float], channels c: Int) -> [Double] {
        let n = f.count / c
        var g = [Double](repeating: 0, count: c * c)
        for i in 0..<c { for j in 0..<c {
            var s = 0.0
            for k in 0..<n { s += Double(f[i * n + k]) * Double(f[j * n + k]) }
            g[i * c + j] = s / Double(c * n)
        } }
        return g
    }

    func testTermsFollowNeuralStyleConventions() throws {
        let network = try cachedVGG19()
        let p = network.preprocessing
        let contentImage = syntheticImage(width: 24, height: 20, phase: 0)
        let styleImage = syntheticImage(width: 20, height: 24, phase: 2)
        let content = p.tensor(rgb: contentImage.samples, width: 24, height: 20)
        let style = p.tensor(rgb: styleImage.samples, width: 20, height: 24)
        let x = p.tensor(rgb: syntheticImage(width: 24, height: 20, phase: 1).samples, width: 24, height: 20)
        let layers = [WeightedLayer("relu1_1"), WeightedLayer("relu2_1", weight: 0.5)]
        let loss = StyleLoss(network: network, content: content, styles: [(style, 1)],
                             contentLayers: [WeightedLayer("relu2_2")], styleLayers: layers,
                             contentWeight: 5, styleWeight: 100, tvWeight: 1e-3)

        XCTAssertEqual(loss(content).terms.content, 0)
        let terms = loss(x).terms

        let names: Set<String> = ["relu1_1", "relu2_1", "relu2_2"]
        let fx = network.features(x, at: names), fc = network.features(content, at: names)
        let fs = network.features(style, at: names)
        let a = fx["relu2_2"]!.toArray(), b = fc["relu2_2"]!.toArray()
        let contentExpected = 5 * zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(a.count)
        XCTAssertEqual(Double(terms.content), contentExpected, accuracy: 1e-4 * contentExpected)

        for layer in layers {
            let c = fx[layer.name]!.shape[1]
            let gx = gram(fx[layer.name]!.toArray(), channels: c), gs = gram(fs[layer.name]!.toArray(), channels: c)
            let expected = 100 * Double(layer.weight) * zip(gx, gs).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                / Double(c * c)
            XCTAssertEqual(Double(terms.styleLayers[layer.name]!), expected, accuracy: 1e-4 * expected, layer.name)
        }

        let v = x.toArray()
        var tv = 0.0
        for ch in 0..<3 { for i in 0..<19 { for j in 0..<23 {
            let here = Double(v[(ch * 20 + i) * 24 + j])
            tv += pow(here - Double(v[(ch * 20 + i) * 24 + j + 1]), 2) + pow(here - Double(v[(ch * 20 + i + 1) * 24 + j]), 2)
        } } }
        XCTAssertEqual(Double(terms.tv), 1e-3 / 2 * tv, accuracy: 1e-5 * tv)
        XCTAssertEqual(terms.total, terms.content + terms.style + terms.tv, accuracy: 1e-5 * terms.total)
    }

    func testImageGradientMatchesFiniteDifferences() throws {
        let network = try cachedVGG19()
        let p = network.preprocessing
        let content = p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 0).samples, width: 16, height: 16)
        let style = p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 2).samples, width: 16, height: 16)
        let loss = StyleLoss(network: network, content: content, styles: [(style, 1)],
                             contentLayers: [WeightedLayer("relu2_2")],
                             styleLayers: ["relu1_1", "relu2_1", "relu3_1"].map { WeightedLayer($0) },
                             contentWeight: 5, styleWeight: 100, tvWeight: 1e-3)
        let start = p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 1).samples, width: 16, height: 16)
        let x = start.variable()
        loss(x).total.backward()
        let gradient = x.grad!.toArray()
        let values = start.toArray()
        // The largest gradients, where finite differences are most informative.
        let indices = gradient.indices.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(6)
        for k in indices {
            func at(_ delta: Float) -> Double {
                var shifted = values
                shifted[k] += delta
                return Double(loss(Tensor(shape: start.shape, values: shifted)).terms.total)
            }
            let numeric = (at(0.5) - at(-0.5)) / 1 // wide: the float rounding of a large loss swamps narrow steps
            XCTAssertEqual(numeric, Double(gradient[k]), accuracy: 2e-2 * abs(Double(gradient[k])), "pixel \(k)")
        }
    }

    /// `normalizeGradients` (jcjohnson's `-normalize_gradients`, docs/conventions.md): each content
    /// and style term's gradient at its features is divided by its L1 norm and multiplied by the
    /// term's weight; TV's is left alone. Recomputed here term by term: each term's feature
    /// gradient from its own backward, normalised by hand, carried to the picture through the
    /// network as the gradient of `Σ F·dy`.
    func testNormalizedGradientIsEachTermsGradientScaledToItsWeight() throws {
        let network = try cachedVGG19()
        let p = network.preprocessing
        func tensor(phase: Double) -> Tensor {
            p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: phase).samples, width: 16, height: 16)
        }
        let (content, style, start) = (tensor(phase: 0), tensor(phase: 2), tensor(phase: 1))
        let contentLayer = WeightedLayer("relu2_2", weight: 0.5)
        let styleLayers = [WeightedLayer("relu1_1"), WeightedLayer("relu2_1", weight: 0.25)]
        let (contentWeight, styleWeight, tvWeight): (Float, Float, Float) = (5, 100, 1e-3)
        func lossGradient(normalized: Bool) -> [Float] {
            let loss = StyleLoss(network: network, content: content, styles: [(style, 1)],
                                 contentLayers: [contentLayer], styleLayers: styleLayers, contentWeight: contentWeight,
                                 styleWeight: styleWeight, tvWeight: tvWeight, normalizeGradients: normalized)
            let x = start.variable()
            loss(x).total.backward()
            return x.grad!.toArray()
        }

        let contentTarget = network.features(content, at: [contentLayer.name])[contentLayer.name]!
        let styleFeatures = network.features(style, at: Set(styleLayers.map(\.name)))
        // (layer, weight, the term as a function of that layer's features)
        var terms: [(String, Float, (Tensor) -> Tensor)] = [
            (contentLayer.name, contentWeight * contentLayer.weight, { $0.meanSquaredError(contentTarget) }),
        ]
        for layer in styleLayers {
            let target = styleFeatures[layer.name]!.gramMatrix()
            terms.append((layer.name, styleWeight * layer.weight, { $0.gramMatrix().meanSquaredError(target) }))
        }
        var expected = [Float](repeating: 0, count: start.count)
        for (layer, weight, term) in terms {
            let features = network.features(start, at: [layer])[layer]!.variable()
            (term(features) * weight).backward()
            let dy = features.grad!
            let norm = dy.toArray().reduce(0) { $0 + abs($1) }
            let x = start.variable()
            ((network.features(x, at: [layer])[layer]! * dy).sum() * (weight / (norm + 1e-8))).backward()
            for (i, g) in x.grad!.toArray().enumerated() { expected[i] += g }
        }
        let x = start.variable()
        (x.totalVariation() * (tvWeight / 2)).backward()
        for (i, g) in x.grad!.toArray().enumerated() { expected[i] += g }

        func relativeDistance(_ a: [Float], _ b: [Float]) -> Double {
            let difference = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            return (difference / b.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        }
        let normalized = lossGradient(normalized: true)
        XCTAssertLessThan(relativeDistance(normalized, expected), 1e-2)
        // The plain gradient is far from it: the check above can tell the two apart.
        XCTAssertGreaterThan(relativeDistance(lossGradient(normalized: false), expected), 0.5)
    }

    /// A layer listed twice (possible through the library) counts once per listing, with its
    /// own weight each time; features freed after their last use never go missing.
    func testLayersListedTwiceEachCount() throws {
        let network = try cachedVGG19()
        let p = network.preprocessing
        let content = p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 0).samples, width: 16, height: 16)
        let style = p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 2).samples, width: 16, height: 16)
        func terms(content contentLayers: [WeightedLayer], style styleLayers: [WeightedLayer]) -> IterationRecord {
            let loss = StyleLoss(network: network, content: content, styles: [(style, 1)],
                                 contentLayers: contentLayers, styleLayers: styleLayers,
                                 contentWeight: 5, styleWeight: 100, tvWeight: 0)
            return loss(p.tensor(rgb: syntheticImage(width: 16, height: 16, phase: 1).samples, width: 16, height: 16)).terms
        }
        let once = terms(content: [WeightedLayer("relu2_2")], style: [WeightedLayer("relu2_1")])
        let twice = terms(content: [WeightedLayer("relu2_2"), WeightedLayer("relu2_2", weight: 0.5)],
                          style: [WeightedLayer("relu2_1"), WeightedLayer("relu2_1", weight: 0.5)])
        XCTAssertEqual(twice.content, 1.5 * once.content, accuracy: 1e-5 * once.content)
        XCTAssertEqual(twice.style, 1.5 * once.style, accuracy: 1e-5 * once.style)
    }
}
