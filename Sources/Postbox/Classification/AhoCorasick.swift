/// A byte-level Aho–Corasick automaton over the folded alphabet (`a-z`, `0-9`, space):
/// one pass over a text finds every occurrence of every pattern.
struct AhoCorasick: Sendable {
    static let alphabet = 37
    /// Dense goto/fail-resolved transitions: `next[state * alphabet + symbol]`. The low 15 bits
    /// are the target state, the top bit says whether patterns end there. States are numbered
    /// breadth first, so the shallow states most bytes of a text visit lie together in the
    /// cache, and 16-bit entries keep the whole table (12,000 states here) within the L2 cache.
    private let next: [UInt16]
    /// Pattern ids ending in each state (including via failure links), flattened:
    /// the ids of state `s` are `outputIDs[outputStart[s] ..< outputStart[s + 1]]`.
    private let outputIDs: [Int32]
    private let outputStart: [Int32]
    /// Bytes in the longest pattern, boundary spaces included.
    private let longestPattern: Int
    static let maximumStates = 0x8000
    static let outputBit: UInt16 = 0x8000

    @inline(__always) static func symbol(_ b: UInt8) -> Int {
        switch b {
        case 0x61...0x7A: Int(b - 0x61)
        case 0x30...0x39: 26 + Int(b - 0x30)
        default: 36
        }
    }

    init(patterns: [[UInt8]]) {
        var goto: [[Int32]] = [[Int32](repeating: -1, count: Self.alphabet)]
        var out: [[Int32]] = [[]]
        for (id, pattern) in patterns.enumerated() {
            var state = 0
            for b in pattern {
                let s = Self.symbol(b)
                if goto[state][s] < 0 {
                    goto[state][s] = Int32(goto.count)
                    goto.append([Int32](repeating: -1, count: Self.alphabet))
                    out.append([])
                }
                state = Int(goto[state][s])
            }
            out[state].append(Int32(id))
        }
        var fail = [Int32](repeating: 0, count: goto.count)
        var queue: [Int] = []
        for s in 0..<Self.alphabet {
            if goto[0][s] >= 0 {
                fail[Int(goto[0][s])] = 0
                queue.append(Int(goto[0][s]))
            } else {
                goto[0][s] = 0
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            out[state] += out[Int(fail[state])]
            for s in 0..<Self.alphabet {
                let target = goto[state][s]
                if target >= 0 {
                    fail[Int(target)] = goto[Int(fail[state])][s]
                    queue.append(Int(target))
                } else {
                    goto[state][s] = goto[Int(fail[state])][s]
                }
            }
        }
        precondition(goto.count <= Self.maximumStates, "the lexicon needs more than \(Self.maximumStates) automaton states")
        // Breadth-first numbering: the root, then the queue's order.
        let order = [0] + queue
        var renumbered = [Int](repeating: 0, count: goto.count)
        for (new, old) in order.enumerated() { renumbered[old] = new }
        var table = [UInt16](repeating: 0, count: goto.count * Self.alphabet)
        var ids: [Int32] = []
        var starts: [Int32] = []
        for (new, old) in order.enumerated() {
            for s in 0..<Self.alphabet {
                let target = Int(goto[old][s])
                table[new * Self.alphabet + s] =
                    UInt16(renumbered[target]) | (out[target].isEmpty ? 0 : Self.outputBit)
            }
            starts.append(Int32(ids.count))
            ids += out[old]
        }
        starts.append(Int32(ids.count))
        next = table
        outputIDs = ids
        outputStart = starts
        longestPattern = patterns.map(\.count).max() ?? 0
    }

    /// ``symbol(_:)`` for every byte, looked up instead of branched on in the scan.
    private static let symbols: [UInt8] = (0...255).map { UInt8(symbol(UInt8($0))) }

    /// Calls `body(patternID, endIndex)` for every occurrence (`endIndex` is the last byte's
    /// index), in the order of `endIndex`.
    ///
    /// The text is read as if a space stood before and after it (at indices -1 and
    /// `text.count`), so that patterns can carry their word boundaries as spaces: " ms " only
    /// occurs as a whole word, and is not reported inside every word that contains "ms".
    ///
    /// Each byte's transition is a table load that depends on the one before, so a walk through
    /// a text waits on load latency most of the time. So the walk does nothing else: it notes
    /// where it passes a state that ends patterns (without a branch) and the occurrences are
    /// reported afterwards. And a longer text is walked as two halves at once, two independent
    /// chains of loads that the core overlaps: the second walk starts from the root
    /// `longestPattern - 1` bytes before the middle (where every occurrence ending in the
    /// second half starts at the earliest) and only what it finds from the middle on counts.
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        let count = text.count
        let space = Self.symbol(0x20)
        // Where the first walk ends and the second starts (nothing to split in a short text).
        let split = count > 4 * longestPattern ? (count + longestPattern - 1) / 2 : count
        let restart = split - (longestPattern - 1)
        // Marks: `state | end << 16`, the first walk's from 0, the second's from `split + 1`.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count + longestPattern + 2) { marks in
            var firstMarks = 0
            var secondMarks = split &+ 1
            next.withUnsafeBufferPointer { table in
                Self.symbols.withUnsafeBufferPointer { symbols in
                    @inline(__always) func step(_ state: inout Int, _ symbol: Int, _ end: Int, _ marked: inout Int) {
                        let entry = table[state &* Self.alphabet &+ symbol]
                        state = Int(entry & ~Self.outputBit)
                        marks[marked] = UInt64(truncatingIfNeeded: state) | UInt64(truncatingIfNeeded: end) << 16
                        marked &+= Int(entry >> 15)
                    }
                    // The leading space: no pattern is only a space, so nothing ends there.
                    var first = Int(table[space] & ~Self.outputBit)
                    var i = 0
                    if split < count {
                        var second = 0
                        var j = restart
                        while i < split {
                            step(&first, Int(symbols[Int(text[i])]), i, &firstMarks)
                            step(&second, Int(symbols[Int(text[j])]), j, &secondMarks)
                            i &+= 1
                            j &+= 1
                        }
                        i = j
                        first = second
                    } else {
                        secondMarks = firstMarks
                    }
                    while i < count {
                        step(&first, Int(symbols[Int(text[i])]), i, &secondMarks)
                        i &+= 1
                    }
                    step(&first, space, count, &secondMarks)  // the trailing space
                }
            }
            outputStart.withUnsafeBufferPointer { starts in
                outputIDs.withUnsafeBufferPointer { ids in
                    @inline(__always) func report(_ mark: UInt64) {
                        let state = Int(truncatingIfNeeded: mark & 0xFFFF)
                        let end = Int(truncatingIfNeeded: mark >> 16)
                        for k in Int(starts[state])..<Int(starts[state &+ 1]) { body(Int(ids[k]), end) }
                    }
                    for m in 0..<firstMarks { report(marks[m]) }
                    // The second walk's marks before the split repeat what the first found.
                    let (from, threshold) = split < count ? (split &+ 1, split) : (0, 0)
                    for m in from..<secondMarks where Int(truncatingIfNeeded: marks[m] >> 16) >= threshold {
                        report(marks[m])
                    }
                }
            }
        }
    }
}
