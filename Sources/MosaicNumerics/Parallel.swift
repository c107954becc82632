import Foundation

/// Maps `items` on all cores, keeping the order.
public func parallelMap<Item, Result>(_ items: [Item], _ transform: (Item) -> Result) -> [Result] {
    var results = [Result?](repeating: nil, count: items.count)
    let lock = NSLock()
    results.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        DispatchQueue.concurrentPerform(iterations: items.count) { k in
            let value = transform(items[k])
            lock.lock()
            base[k] = value
            lock.unlock()
        }
    }
    return results.map { $0! }
}

/// 0..<count cut into at most `parts` contiguous ranges of equal size (the last shorter): work for `parallelMap` whose
/// per-item setup is worth sharing, summed in a fixed order whatever the number of cores.
public func contiguousBlocks(count: Int, parts: Int = 64) -> [Range<Int>] {
    let size = max(1, (count + parts - 1) / parts)
    return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
}
