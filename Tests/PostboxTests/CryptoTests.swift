import Foundation
import Testing

@testable import Postbox

@Suite("Crypto core")
struct CryptoTests {
    let location = FieldLocation(table: "messages", rowID: "row-1", field: "body")

    // MARK: - Field encryption

    @Test func sealedFieldRoundTrips() throws {
        let key = SecretKey.random()
        let sealed = key.seal("Grüße aus der Postbox", at: location)
        #expect(try key.openText(sealed, at: location) == "Grüße aus der Postbox")
        #expect(sealed.count == "Grüße aus der Postbox".utf8.count + AEAD.overhead)
    }

    @Test func sealingTwiceGivesDifferentCiphertexts() {
        let key = SecretKey.random()
        #expect(key.seal("same", at: location) != key.seal("same", at: location))
    }

    @Test func plaintextIsNotInCiphertext() {
        let key = SecretKey.random()
        let sealed = key.seal("MARKER-PLAINTEXT", at: location)
        #expect(Data(sealed).range(of: Data("MARKER".utf8)) == nil)
    }

    @Test func tamperedCiphertextFails() throws {
        let key = SecretKey.random()
        let sealed = key.seal("amount: 100 EUR", at: location)
        for index in [1, 10, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.decryptionFailed) { try key.openText(tampered, at: location) }
        }
    }

    @Test func wrongKeyFails() {
        let sealed = SecretKey.random().seal("secret", at: location)
        #expect(throws: CryptoError.decryptionFailed) { try SecretKey.random().openText(sealed, at: location) }
    }

    @Test func ciphertextMovedToAnotherRowOrFieldFails() {
        let key = SecretKey.random()
        let sealed = key.seal("secret", at: location)
        let otherRow = FieldLocation(table: "messages", rowID: "row-2", field: "body")
        let otherField = FieldLocation(table: "messages", rowID: "row-1", field: "subject")
        let otherTable = FieldLocation(table: "tickets", rowID: "row-1", field: "body")
        for place in [otherRow, otherField, otherTable] {
            #expect(throws: CryptoError.decryptionFailed) { try key.openText(sealed, at: place) }
        }
    }

    @Test func associatedDataIsUnambiguous() {
        #expect(AssociatedData(domain: "d", "ab", "c") != AssociatedData(domain: "d", "a", "bc"))
    }

    @Test func base64URLRoundTripsAndRefusesOtherAlphabets() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("Zm9vYmE") == Array("fooba".utf8))  // RFC 4648's vector, unpadded
        #expect(Base64URL.decode("") == [])
        // Other alphabets, padding, whitespace, a length no bytes encode to, a last character with
        // bits set that no byte fills (so each byte string has one text), too long.
        let refused = ["ab+c", "ab/c", "abc=", "ab c", "äbcd", "A", "AAAAA", "-_9", "Zm9vYmF"]
        for bad in refused + [String(repeating: "A", count: 260)] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
    }

    /// Stored data is bound to these exact bytes: a change of encoding would make it unreadable.
    @Test func associatedDataEncodingIsStable() {
        #expect(
            AssociatedData(domain: "d", "ab", "ü").bytes
                == [0, 0, 0, 1, 0x64, 0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 2, 0xC3, 0xBC])
        #expect(AssociatedData(domain: "").bytes == [0, 0, 0, 0])
    }

    @Test func truncatedOrUnknownVersionIsMalformed() {
        let key = SecretKey.random()
        var sealed = key.seal("x", at: location)
        #expect(throws: CryptoError.malformedCiphertext) { try key.openText(Array(sealed.prefix(10)), at: location) }
        sealed[0] = 99
        #expect(throws: CryptoError.malformedCiphertext) { try key.openText(sealed, at: location) }
    }

    /// The form that decrypts out of a borrowed buffer (SQLite's) into the string's storage
    /// gives the same answers and the same refusals as the array form.
    @Test func openingFromABorrowedBufferAgreesWithTheArrayForm() throws {
        let key = SecretKey.random()
        func open(_ sealed: [UInt8], at place: FieldLocation, with key: SecretKey) throws -> String {
            try sealed.withUnsafeBytes { try key.openText($0, at: place) }
        }
        for text in ["", "x", "Grüße aus der Postbox", String(repeating: "ä€😀 ", count: 300)] {
            let sealed = key.seal(text, at: location)
            #expect(try open(sealed, at: location, with: key) == text)
            #expect(try open(sealed, at: location, with: key) == key.openText(sealed, at: location))
            var tampered = sealed
            tampered[tampered.count - 1] ^= 0x01
            #expect(throws: CryptoError.decryptionFailed) { try open(tampered, at: location, with: key) }
            let elsewhere = FieldLocation(table: "messages", rowID: "row-2", field: "body")
            #expect(throws: CryptoError.decryptionFailed) { try open(sealed, at: elsewhere, with: key) }
            #expect(throws: CryptoError.decryptionFailed) { try open(sealed, at: location, with: .random()) }
            #expect(throws: CryptoError.malformedCiphertext) {
                try open(Array(sealed.prefix(AEAD.overhead - 1)), at: location, with: key)
            }
            var unknownVersion = sealed
            unknownVersion[0] = 99
            #expect(throws: CryptoError.malformedCiphertext) { try open(unknownVersion, at: location, with: key) }
        }
        #expect(throws: CryptoError.malformedCiphertext) {
            try key.openText(UnsafeRawBufferPointer(start: nil, count: 0), at: location)
        }
    }

    @Test func keysMustBe32Bytes() {
        #expect(throws: CryptoError.invalidKeyLength) { try SecretKey(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: Never.self) { try SecretKey(bytes: [UInt8](repeating: 1, count: 32)) }
    }

    @Test func zeroizeClearsKeyCopies() {
        var copy = SecretKey.random().exportBytes()
        #expect(copy.contains { $0 != 0 })
        copy.zeroize()
        #expect(copy.allSatisfy { $0 == 0 })
        #expect(copy.count == 32)
    }

    // MARK: - Key wrapping and the key ring

    @Test func dataKeysWrapAndUnwrap() throws {
        let ring = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let dek = SecretKey.random()
        let wrapped = ring.wrap(dek, dataKeyID: "dek-1")
        #expect(wrapped.masterKeyID == "mk-1")
        let unwrapped = try ring.unwrap(wrapped, dataKeyID: "dek-1")
        #expect(unwrapped.exportBytes() == dek.exportBytes())
    }

    @Test func unwrapWithWrongMasterKeyFails() throws {
        let ring = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let impostor = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let wrapped = ring.wrap(.random(), dataKeyID: "dek-1")
        #expect(throws: CryptoError.decryptionFailed) { try impostor.unwrap(wrapped, dataKeyID: "dek-1") }
    }

    @Test func wrappedKeyMovedToAnotherRowFails() throws {
        let ring = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let wrapped = ring.wrap(.random(), dataKeyID: "dek-1")
        #expect(throws: CryptoError.decryptionFailed) { try ring.unwrap(wrapped, dataKeyID: "dek-2") }
    }

    @Test func unknownMasterKeyIDIsReported() throws {
        let ring = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let other = try KeyRing(entries: [.init(id: "mk-2", key: .random())])
        #expect(throws: CryptoError.unknownKeyID) { try other.unwrap(ring.wrap(.random(), dataKeyID: "d"), dataKeyID: "d") }
    }

    @Test func rotatedRingReadsOldKeysAndWrapsUnderTheNewOne() throws {
        let ring = try KeyRing(entries: [.init(id: "mk-1", key: .random())])
        let dek = SecretKey.random()
        let old = ring.wrap(dek, dataKeyID: "d")
        let rotated = ring.rotated(newID: "mk-2", createdAt: "now")
        #expect(rotated.active.id == "mk-2")
        #expect(try rotated.unwrap(old, dataKeyID: "d").exportBytes() == dek.exportBytes())
        let rewrapped = rotated.wrap(dek, dataKeyID: "d")
        #expect(rewrapped.masterKeyID == "mk-2")
        let retired = try rotated.retiring(id: "mk-1")
        #expect(try retired.unwrap(rewrapped, dataKeyID: "d").exportBytes() == dek.exportBytes())
        #expect(throws: CryptoError.unknownKeyID) { try retired.unwrap(old, dataKeyID: "d") }
        #expect(throws: CryptoError.noActiveKey) { try rotated.retiring(id: "mk-2") }
    }

    @Test func emptyRingIsRejected() {
        #expect(throws: CryptoError.noActiveKey) { try KeyRing(entries: []) }
    }

    // MARK: - Passwords

    @Test func passwordsHashWithArgon2idAndVerify() async throws {
        let hasher = PasswordHasher(strength: .minimum)
        let hash = try await hasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(try await hasher.verify("correct horse battery staple", against: hash))
        #expect(try await !hasher.verify("correct horse battery stapl", against: hash))
        #expect(try await hasher.hash("same") != hasher.hash("same"), "salts differ")
        #expect(try await !hasher.verify("anything", against: "not a hash"))
        #expect(try await !hasher.verify("anything", against: ""))
    }

    @Test func rehashIsNeededWhenStrengthChanges() throws {
        let weak = try PasswordHasher(strength: .minimum).hashNow("pw")
        #expect(PasswordHasher(strength: .interactive).needsRehash(weak))
        #expect(!PasswordHasher(strength: .minimum).needsRehash(weak))
    }

    // MARK: - Keyed hashing and blind indexes

    @Test func keyedHashIsDeterministicPerKey() {
        let key = SecretKey.random()
        let message = Array("M-AB 1234".utf8)
        #expect(KeyedHash.hash(message, key: key) == KeyedHash.hash(message, key: key))
        #expect(KeyedHash.hash(message, key: key) != KeyedHash.hash(message, key: .random()))
        #expect(KeyedHash.hash(message, key: key) != KeyedHash.hash(message))
        #expect(KeyedHash.hash(message, key: key).count == 32)
    }

    @Test func blindIndexesSeparateKinds() {
        let indexer = BlindIndexer(key: .random())
        #expect(indexer.index(kind: "phone", normalisedValue: "4989123") == indexer.index(kind: "phone", normalisedValue: "4989123"))
        #expect(indexer.index(kind: "phone", normalisedValue: "4989123") != indexer.index(kind: "policy", normalisedValue: "4989123"))
    }

    @Test func randomBytesDiffer() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
    }

    @Test func activationCodesAreReadableAndNormalise() {
        let code = ActivationCode.generate()
        #expect(code.count == 19)
        #expect(code.split(separator: "-").count == 4)
        #expect(ActivationCode.normalise(code.lowercased()) == code.replacingOccurrences(of: "-", with: ""))
        #expect(ActivationCode.generate() != code)
    }
}
