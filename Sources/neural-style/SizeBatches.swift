/// Pictures gathered into batches of one size for `stylize --batch-size`, in a deterministic
/// order that depends only on the order and sizes of the pictures added. A batch goes as soon
/// as it holds `batchSize` pictures; pictures of at most `waitingSizes` sizes wait for their
/// batch to fill (a picture of yet another size sends the oldest waiting batch as it is), so
/// few pictures are held at once; `finish()` hands back what still waits, oldest first.
struct SizeBatches<Item> {
    /// The most pictures in a batch.
    let batchSize: Int
    /// How many sizes may have a batch waiting to fill.
    static var waitingSizes: Int { 4 }
    private var waiting: [(width: Int, height: Int, items: [Item])] = []

    /// Batches of at most `batchSize` (≥ 1) pictures.
    init(batchSize: Int) {
        precondition(batchSize >= 1, "a batch holds at least one picture")
        self.batchSize = batchSize
    }

    /// Adds `item`, a picture whose network input is `width`×`height`; returns the batches now
    /// ready to paint, in the order to paint them.
    mutating func add(_ item: Item, width: Int, height: Int) -> [[Item]] {
        var ready: [[Item]] = []
        let index: Int
        if let found = waiting.firstIndex(where: { $0.width == width && $0.height == height }) {
            index = found
        } else {
            if waiting.count == Self.waitingSizes { ready.append(waiting.removeFirst().items) }
            waiting.append((width, height, []))
            index = waiting.count - 1
        }
        waiting[index].items.append(item)
        if waiting[index].items.count == batchSize { ready.append(waiting.remove(at: index).items) }
        return ready
    }

    /// The batches still waiting, oldest first; none wait afterwards.
    mutating func finish() -> [[Item]] {
        defer { waiting = [] }
        return waiting.map(\.items)
    }
}
