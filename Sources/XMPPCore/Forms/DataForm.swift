/// A XEP-0004 data form, reduced to what Herald reads: the type and each field's values.
package struct DataForm: Sendable, Hashable {
    package var type: String
    /// Field values by `var`, in document order; a field may carry several values.
    package var fields: [(name: String, values: [String])]

    /// Reads a `<x xmlns='jabber:x:data'/>`; nil if `element` is not one.
    package init?(_ element: XMLElement) {
        guard element.name == "x", element.namespace == Namespace.dataForms else { return nil }
        self.type = element[attribute: "type"] ?? "form"
        self.fields = element.elements.compactMap { field in
            guard field.name == "field", field.namespace == Namespace.dataForms, let name = field[attribute: "var"]
            else {
                return nil
            }
            let values = field.elements.filter { $0.name == "value" && $0.namespace == Namespace.dataForms }.map(\.text)
            return (name, values)
        }
    }

    /// The FORM_TYPE hidden field (XEP-0068), which names the form's registry.
    package var formType: String? { self.fields.first { $0.name == "FORM_TYPE" }?.values.first }

    package static func == (lhs: DataForm, rhs: DataForm) -> Bool {
        lhs.type == rhs.type && lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.values == $1.values }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.type)
        for field in self.fields {
            hasher.combine(field.name)
            hasher.combine(field.values)
        }
    }
}
