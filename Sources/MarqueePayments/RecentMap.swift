/// A dictionary that keeps roughly the most recent entries: two
/// generations of at most `generationSize` each. When the current one is
/// full it becomes the previous one and the oldest generation is dropped,
/// so memory stays bounded (at most twice `generationSize` entries) at O(1)
/// per operation, and an entry written within the last `generationSize`
/// writes of new keys is always kept.
struct RecentMap<Key: Hashable, Value> {
    let generationSize: Int
    private var current: [Key: Value] = [:]
    private var previous: [Key: Value] = [:]

    init(generationSize: Int) {
        precondition(generationSize > 0)
        self.generationSize = generationSize
    }

    var count: Int { current.count + previous.count }

    subscript(key: Key) -> Value? {
        get { current[key] ?? previous[key] }
        set {
            previous[key] = nil
            guard let newValue else {
                current[key] = nil
                return
            }
            if current[key] == nil && current.count >= generationSize {
                previous = current
                current = [:]
            }
            current[key] = newValue
        }
    }
}
