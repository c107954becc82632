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
