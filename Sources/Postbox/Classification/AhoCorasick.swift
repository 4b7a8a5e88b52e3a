/// A byte-level Aho–Corasick automaton over the folded alphabet (`a-z`, `0-9`, space):
/// one pass over a text finds every occurrence of every pattern.
struct AhoCorasick: Sendable {
    /// Dense goto/fail-resolved transitions: `next[state << shift | symbol]`. The low 15 bits
    /// are the target state, the top bit says whether patterns end there. A state's row is 32
    /// entries of 16 bits, one 64-byte cache line (64 entries for a lexicon with more than four
    /// digits), and the row of a state is found by a shift instead of a multiplication on the
    /// walk's chain of dependent loads. States are numbered breadth first, so the shallow states
    /// most bytes of a text visit lie together.
    private let next: [UInt16]
    /// log2 of a row's length: 5 (32 symbols) unless a lexicon uses more than four digits.
    private let shift: Int
    /// Each byte's symbol: `a-z` are 0-25, the space (and every byte that is not a letter or
    /// digit) 26, each digit some pattern contains a symbol of its own, and all other digits
    /// one more, which no pattern contains: digits no pattern uses lead to the same states.
    private let symbols: [UInt8]
    /// Pattern ids ending in each state (including via failure links), flattened:
    /// the ids of state `s` are `outputIDs[outputStart[s] ..< outputStart[s + 1]]`.
    private let outputIDs: [Int32]
    private let outputStart: [Int32]
    /// Bytes in the longest pattern, boundary spaces included.
    private let longestPattern: Int
    static let maximumStates = 0x8000
    static let outputBit: UInt16 = 0x8000
    static let spaceSymbol = 26

    init(patterns: [[UInt8]]) {
        var symbols = [UInt8](repeating: UInt8(Self.spaceSymbol), count: 256)
        for b in UInt8(0x61)...0x7A { symbols[Int(b)] = b - 0x61 }
        var alphabet = Self.spaceSymbol + 1
        let usedDigits = Set(patterns.joined().filter { (0x30...0x39).contains($0) })
        for digit in usedDigits.sorted() {
            symbols[Int(digit)] = UInt8(alphabet)
            alphabet += 1
        }
        for digit in UInt8(0x30)...0x39 where !usedDigits.contains(digit) { symbols[Int(digit)] = UInt8(alphabet) }
        alphabet += 1
        let shift = alphabet <= 32 ? 5 : 6
        let rowLength = 1 << shift

        var goto: [[Int32]] = [[Int32](repeating: -1, count: alphabet)]
        var out: [[Int32]] = [[]]
        for (id, pattern) in patterns.enumerated() {
            var state = 0
            for b in pattern {
                let s = Int(symbols[Int(b)])
                if goto[state][s] < 0 {
                    goto[state][s] = Int32(goto.count)
                    goto.append([Int32](repeating: -1, count: alphabet))
                    out.append([])
                }
                state = Int(goto[state][s])
            }
            out[state].append(Int32(id))
        }
        var fail = [Int32](repeating: 0, count: goto.count)
        var queue: [Int] = []
        for s in 0..<alphabet {
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
            for s in 0..<alphabet {
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
        // The unused tail of each row is never read (no byte maps to it).
        var table = [UInt16](repeating: 0, count: goto.count << shift)
        var ids: [Int32] = []
        var starts: [Int32] = []
        for (new, old) in order.enumerated() {
            for s in 0..<alphabet {
                let target = Int(goto[old][s])
                table[new * rowLength + s] =
                    UInt16(renumbered[target]) | (out[target].isEmpty ? 0 : Self.outputBit)
            }
            starts.append(Int32(ids.count))
            ids += out[old]
        }
        starts.append(Int32(ids.count))
        next = table
        self.shift = shift
        self.symbols = symbols
        outputIDs = ids
        outputStart = starts
        longestPattern = patterns.map(\.count).max() ?? 0
    }

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
    /// reported afterwards. And a longer text is walked as four parts at once, four independent
    /// chains of loads that the core overlaps: each walk but the first starts from the root
    /// `longestPattern - 1` bytes before its part (where every occurrence ending in the part
    /// starts at the earliest), and only what it finds from its part's start on counts.
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        let count = text.count
        let overlap = max(0, longestPattern - 1)
        // Four walks of `steps` bytes each; walk k starts at k * stride and counts from
        // k * stride + overlap (walk 0 from 0). One walk for a text too short to be worth it.
        let walks = count > 8 * max(longestPattern, 2) ? 4 : 1
        let steps = walks == 1 ? count : (count + (walks - 1) * overlap + walks - 1) / walks
        let stride = steps - overlap
        // Each walk's marks (`state | end << 16`) in a region of its own: walk k's from
        // k * (steps + 1), at most one per byte it reads and one for the trailing space.
        let region = steps + 1
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: walks * region) { marks in
            var marked = (0, region, 2 * region, 3 * region)
            next.withUnsafeBufferPointer { table in
                symbols.withUnsafeBufferPointer { symbols in
                    let shift = self.shift
                    @inline(__always) func step(_ state: inout Int, _ byte: UInt8, _ end: Int, _ marked: inout Int) {
                        step(&state, symbol: Int(symbols[Int(byte)]), end, &marked)
                    }
                    @inline(__always) func step(_ state: inout Int, symbol: Int, _ end: Int, _ marked: inout Int) {
                        let entry = table[state &<< shift | symbol]
                        state = Int(entry & ~Self.outputBit)
                        marks[marked] = UInt64(truncatingIfNeeded: state) | UInt64(truncatingIfNeeded: end) << 16
                        marked &+= Int(entry >> 15)
                    }
                    // The leading space: no pattern is only a space, so nothing ends there.
                    var first = Int(table[Self.spaceSymbol] & ~Self.outputBit)
                    if walks == 1 {
                        for i in 0..<count { step(&first, text[i], i, &marked.0) }
                        step(&first, symbol: Self.spaceSymbol, count, &marked.0)  // the trailing space
                    } else {
                        var (second, third, fourth) = (0, 0, 0)
                        // All four together until the last walk reaches the end of the text
                        // (it reads at most as many bytes as the others), then the other three.
                        let together = count - 3 * stride
                        var i = 0
                        while i < together {
                            step(&first, text[i], i, &marked.0)
                            step(&second, text[stride &+ i], stride &+ i, &marked.1)
                            step(&third, text[2 &* stride &+ i], 2 &* stride &+ i, &marked.2)
                            step(&fourth, text[3 &* stride &+ i], 3 &* stride &+ i, &marked.3)
                            i &+= 1
                        }
                        while i < steps {
                            step(&first, text[i], i, &marked.0)
                            step(&second, text[stride &+ i], stride &+ i, &marked.1)
                            step(&third, text[2 &* stride &+ i], 2 &* stride &+ i, &marked.2)
                            i &+= 1
                        }
                        step(&fourth, symbol: Self.spaceSymbol, count, &marked.3)  // the trailing space
                    }
                }
            }
            outputStart.withUnsafeBufferPointer { starts in
                outputIDs.withUnsafeBufferPointer { ids in
                    @inline(__always) func report(_ mark: UInt64) {
                        let state = Int(truncatingIfNeeded: mark & 0xFFFF)
                        let end = Int(truncatingIfNeeded: mark >> 16)
                        for k in Int(starts[state])..<Int(starts[state &+ 1]) { body(Int(ids[k]), end) }
                    }
                    for m in 0..<marked.0 { report(marks[m]) }
                    guard walks == 4 else { return }
                    // A later walk's marks before its part repeat what the walk before found.
                    func report(walk: Int, upTo end: Int) {
                        let threshold = walk * stride + overlap
                        for m in walk * region..<end where Int(truncatingIfNeeded: marks[m] >> 16) >= threshold {
                            report(marks[m])
                        }
                    }
                    report(walk: 1, upTo: marked.1)
                    report(walk: 2, upTo: marked.2)
                    report(walk: 3, upTo: marked.3)
                }
            }
        }
    }
}
