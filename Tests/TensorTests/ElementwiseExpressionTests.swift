import Tensor
@testable import TensorCPU
import TensorTestSupport
import XCTest

/// Element-wise expressions against the same ops run one by one: the same bits, for the result
/// and its spatial mean, in every layout, with every kind of broadcast input, on planes larger
/// than a 2048-pixel run and with pixels left over from the last 8.
final class ElementwiseExpressionTests: XCTestCase {
    override func setUp() { installBackend() }

    func testExpressionsGiveTheBitsOfTheOpsOneByOne() {
        forEachElementwiseKernel { kernels in
            for layout in [Layout.plain, .channelsBlocked8, .channelsBlocked16] {
                for shape in [[2, 16, 45, 47], [1, 16, 3, 5]] {
                    for single in [true, false] {
                        assertSameBits(shape: shape, layout: layout, single: single,
                                       "\(layout) \(shape), single element \(single), kernels \(kernels)")
                    }
                }
            }
        }
    }

    /// With a single-element input the ops end on plain copies; with a per-channel one instead
    /// they keep `layout`: the spatial mean adds in the same order either way.
    private func assertSameBits(shape: [Int], layout: Layout, single: Bool, _ context: String) {
        let (n, c) = (shape[0], shape[1])
        let x = (randomTensor(shape, seed: 51) * 3).reordered(to: layout)
        let y = randomTensor(shape, seed: 52).reordered(to: layout)
        let perSample = randomTensor([n, c, 1, 1], seed: 53), perChannel = randomTensor([1, c, 1, 1], seed: 54) + 2
        let quarter = single ? Tensor(shape: [1], values: [0.25])
            : Tensor(shape: [1, c, 1, 1], values: [Float](repeating: 0.25, count: c))
        let quantize = UnaryOperation.fakeQuantize(scale: 0.04, zeroPoint: -3, low: -128, high: 127)
        // q = quantize(x − s); r = relu(q · q · p + y); out = clamp(sqrt(r + ¼) · c, −1, 2)
        let expression = ElementwiseExpression(inputCount: 5, steps: [
            .binary(.subtract, 0, 2), .unary(quantize, 5), .binary(.multiply, 6, 6), .binary(.multiply, 7, 3),
            .binary(.add, 8, 1), .relu(9), .binary(.add, 10, 4), .unary(.sqrt, 11), .binary(.multiply, 3, 12),
            .unary(.clamp(low: -1, high: 2), 13),
        ])
        let inputs = [x, y, perSample, perChannel, quarter]
        let q = (x - perSample).fakeQuantized(scale: 0.04, zeroPoint: -3)
        let r = (q * q * perChannel + y).relu()
        let expected = (perChannel * (r + quarter).sqrt()).clamped(-1, 2)
        let (result, mean) = Tensor.evaluate(expression, on: inputs, spatialMean: true)
        XCTAssertEqual(result!.toArray(), expected.toArray(), context)
        XCTAssertEqual(mean!.shape, [n, c, 1, 1], context)
        XCTAssertEqual(mean!.toArray(), expected.mean(alongAxes: [2, 3], keepingDimensions: true).toArray(), context)
        let (none, meanAlone) = Tensor.evaluate(expression, on: inputs, keepingResult: false, spatialMean: true)
        XCTAssertNil(none, context)
        XCTAssertEqual(meanAlone!.toArray(), mean!.toArray(), context)
    }

    /// Variables may be read where nothing records (a preview during training, say).
    func testExpressionsReadVariablesWithoutGradients() {
        let x = randomTensor([1, 8, 2, 2], seed: 55).variable()
        XCTAssertTrue(x.requiresGrad)
        let y = withoutGradients { Tensor.evaluate(ElementwiseExpression(inputCount: 1, steps: [.relu(0)]), on: [x]).result! }
        XCTAssertEqual(y.toArray(), x.relu().toArray())
    }
}
