/// A XEP-0004 data form, reduced to what Herald reads: the type and each field's values.
package struct DataForm: Sendable, Hashable {
    /// One `<field/>`; a field may carry several values.
    package struct Field: Sendable, Hashable {
        package var name: String
        package var values: [String]
    }

    package var type: String
    /// The fields in document order.
    package var fields: [Field]

    /// Reads a `<x xmlns='jabber:x:data'/>`; nil if `element` is not one.
    package init?(_ element: XMLElement) {
        guard element.name == "x", element.namespace == Namespace.dataForms else { return nil }
        self.type = element[attribute: "type"] ?? "form"
        self.fields = element.elements.compactMap { field in
            guard field.name == "field", field.namespace == Namespace.dataForms, let name = field[attribute: "var"]
            else { return nil }
            let values = field.elements.filter { $0.name == "value" && $0.namespace == Namespace.dataForms }.map(\.text)
            return Field(name: name, values: values)
        }
    }
}
