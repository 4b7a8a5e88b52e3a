import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`, as `self[name]` gives it, without that subscript's generic
    /// join (not specialised across modules: 0.8% of a post for four lookups) in the usual case
    /// of one field: the only field's value, the subscript's joined value when there are several,
    /// nil when there is none.
    func value(of name: HTTPField.Name) -> String? {
        let canonical = name.canonicalName
        guard let first = firstIndex(where: { $0.name.canonicalName == canonical }) else { return nil }
        if self[index(after: first)...].contains(where: { $0.name.canonicalName == canonical }) { return self[name] }
        return self[first].value
    }
}
