/// An optional that JSON encodes as `null` when absent, instead of leaving its key out as synthesized `Encodable`
/// does: Depot's JSON documents are contracts whose keys are always there (`"customer": null`). Mark every optional
/// stored property of a contract with it; the contract tests compare each document's keys with its type's properties.
@propertyWrapper
public struct NullEncodable<Value: Encodable>: Encodable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension NullEncodable: Sendable where Value: Sendable {}
extension NullEncodable: Equatable where Value: Equatable {}
extension NullEncodable: Hashable where Value: Hashable {}
