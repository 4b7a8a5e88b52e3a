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
    }

    /// ``symbol(_:)`` for every byte, looked up instead of branched on in the scan.
    private static let symbols: [UInt8] = (0...255).map { UInt8(symbol(UInt8($0))) }

    /// Calls `body(patternID, endIndex)` for every occurrence (`endIndex` is the last byte's index).
    ///
    /// The text is read as if a space stood before and after it (at indices -1 and
    /// `text.count`), so that patterns can carry their word boundaries as spaces: " ms " only
    /// occurs as a whole word, and is not reported inside every word that contains "ms".
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        next.withUnsafeBufferPointer { table in
            outputStart.withUnsafeBufferPointer { starts in
                outputIDs.withUnsafeBufferPointer { ids in
                    Self.symbols.withUnsafeBufferPointer { symbols in
                        let space = Self.symbol(0x20)
                        // The leading space: no pattern is only a space, so nothing ends here.
                        var state = Int(table[space] & ~Self.outputBit)
                        for i in 0...text.count {
                            let symbol = i < text.count ? Int(symbols[Int(text[i])]) : space
                            let entry = table[state &* Self.alphabet &+ symbol]
                            state = Int(entry & ~Self.outputBit)
                            if entry & Self.outputBit != 0 {
                                for k in Int(starts[state])..<Int(starts[state &+ 1]) { body(Int(ids[k]), i) }
                            }
                        }
                    }
                }
            }
        }
    }
}
