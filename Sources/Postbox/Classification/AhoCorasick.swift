/// A byte-level Aho–Corasick automaton over the folded alphabet (`a-z`, `0-9`, space):
/// one pass over a text finds every occurrence of every pattern.
struct AhoCorasick: Sendable {
    static let alphabet = 37
    /// Dense goto/fail-resolved transitions: `next[state * alphabet + symbol]`.
    private let next: [Int32]
    /// Pattern ids ending in each state (including via failure links), flattened:
    /// the ids of state `s` are `outputIDs[outputStart[s] ..< outputStart[s + 1]]`.
    private let outputIDs: [Int32]
    private let outputStart: [Int32]

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
        next = goto.flatMap { $0 }
        var ids: [Int32] = []
        var starts: [Int32] = []
        for list in out {
            starts.append(Int32(ids.count))
            ids += list
        }
        starts.append(Int32(ids.count))
        outputIDs = ids
        outputStart = starts

    }

    /// Calls `body(patternID, endIndex)` for every occurrence (`endIndex` is the last byte's index).
    func scan(_ bytes: [UInt8], _ body: (Int, Int) -> Void) {
        next.withUnsafeBufferPointer { table in
            outputStart.withUnsafeBufferPointer { starts in
                outputIDs.withUnsafeBufferPointer { ids in
                    bytes.withUnsafeBufferPointer { text in
                        var state = 0
                        for i in 0..<text.count {
                            state = Int(table[state &* Self.alphabet &+ Self.symbol(text[i])])
                            let from = Int(starts[state])
                            let to = Int(starts[state &+ 1])
                            if from != to {
                                for k in from..<to { body(Int(ids[k]), i) }
                            }
                        }
                    }
                }
            }
        }
    }
}
